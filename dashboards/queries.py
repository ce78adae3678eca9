"""Reads of the marts (and only the marts) that the dashboards need.

Every value from data goes in as a query parameter. Identifiers (group-by columns) come from the
constants below, never from data. A scope is "all accounts" (account_id None) or one account;
`? is null or account_id = ?` keeps one SQL text per query for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from dashboards.metrics import Period

Row = dict[str, Any]

# The additive columns of mart_channel_performance that the KPIs are built from.
CHANNEL_SUMS = (
    "calls",
    "answered_calls",
    "missed_calls",
    "qualified_calls",
    "first_time_calls",
    "converted_calls",
    "conversion_value",
    "spend",
)
LOCATION_SUMS = (
    "calls",
    "answered_calls",
    "missed_calls",
    "qualified_calls",
    "first_time_calls",
    "converted_calls",
    "conversion_value",
)
KEYWORD_SUMS = (
    "impressions",
    "clicks",
    "calls",
    "qualified_calls",
    "converted_calls",
    "conversion_value",
    "spend",
)
CHANNEL_GROUPS = {
    "channel": ("channel",),
    "campaign": ("channel", "campaign"),
}
KEYWORD_GROUP = ("platform", "campaign", "ad_group", "keyword", "match_type")

REQUIRED_TABLES = (
    "fct_calls",
    "mart_channel_performance",
    "mart_keyword_performance",
    "mart_missed_calls_by_hour",
    "mart_number_pool_health",
    "mart_location_performance",
    "dim_accounts",
)


@dataclass(frozen=True)
class Account:
    account_id: str
    name: str
    currency: str | None


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[Row]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def missing_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    present = {
        r["table_name"]
        for r in rows(
            con, "select table_name from information_schema.tables where table_schema = 'marts'"
        )
    }
    return [t for t in REQUIRED_TABLES if t not in present]


def date_range(con: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    """First day of data and the latest day with calls. Spend alone does not extend the range:
    offline spend is spread over whole months, so it reaches days that have not happened yet."""
    r = rows(
        con,
        """select min(date_local) as lo,
                coalesce(max(date_local) filter (where calls > 0), max(date_local)) as hi
            from marts.mart_channel_performance""",
    )[0]
    return None if r["lo"] is None else (r["lo"], r["hi"])


def accounts(con: duckdb.DuckDBPyConnection) -> list[Account]:
    """Accounts with data, named from dim_accounts (the id stands in when a name is missing)."""
    sql = """
        with seen as (
            select distinct account_id, currency from marts.mart_channel_performance
        )
        select s.account_id, coalesce(a.name, s.account_id) as name,
            coalesce(a.currency, s.currency) as currency
        from seen s left join marts.dim_accounts a using (account_id)
        order by name, s.account_id
    """
    seen: dict[str, Account] = {}
    for r in rows(con, sql):
        seen.setdefault(r["account_id"], Account(r["account_id"], r["name"], r["currency"]))
    return list(seen.values())


def locations(con: duckdb.DuckDBPyConnection, account_id: str) -> list[str]:
    return [
        r["location_id"]
        for r in rows(
            con,
            "select distinct location_id from marts.mart_location_performance"
            " where account_id = ? and location_id is not null order by location_id",
            [account_id],
        )
    ]


def _sums(columns: tuple[str, ...]) -> str:
    return ", ".join(f"sum({c}) as {c}" for c in columns)


def channel_totals(
    con: duckdb.DuckDBPyConnection, period: Period, account_id: str | None = None
) -> list[Row]:
    """Sums of the additive channel-mart columns over the period, one row per currency."""
    return rows(
        con,
        f"""select currency, {_sums(CHANNEL_SUMS)}
            from marts.mart_channel_performance
            where date_local between ? and ? and (?::varchar is null or account_id = ?)
            group by currency order by currency""",
        [period.start, period.end, account_id, account_id],
    )


def location_totals(
    con: duckdb.DuckDBPyConnection, period: Period, account_id: str, location_id: str | None
) -> list[Row]:
    """Sums of the location mart over the period (one row per currency: the account's)."""
    return rows(
        con,
        f"""select currency, {_sums(LOCATION_SUMS)}
            from marts.mart_location_performance
            where date_local between ? and ? and account_id = ?
              and location_id is not distinct from ?
            group by currency order by currency""",
        [period.start, period.end, account_id, location_id],
    )


def location_table(con: duckdb.DuckDBPyConnection, period: Period, account_id: str) -> list[Row]:
    return rows(
        con,
        f"""select location_id, currency, {_sums(LOCATION_SUMS)}
            from marts.mart_location_performance
            where date_local between ? and ? and account_id = ?
            group by location_id, currency order by calls desc, location_id""",
        [period.start, period.end, account_id],
    )


def daily_channel(
    con: duckdb.DuckDBPyConnection, until: date, account_id: str | None = None
) -> list[Row]:
    """Daily sums of the whole history up to `until` (the trend shows it all)."""
    return rows(
        con,
        f"""select date_local, currency, {_sums(CHANNEL_SUMS)}
            from marts.mart_channel_performance
            where date_local <= ? and (?::varchar is null or account_id = ?)
            group by date_local, currency order by date_local, currency""",
        [until, account_id, account_id],
    )


def daily_location(
    con: duckdb.DuckDBPyConnection, until: date, account_id: str, location_id: str | None
) -> list[Row]:
    return rows(
        con,
        f"""select date_local, currency, {_sums(LOCATION_SUMS)}
            from marts.mart_location_performance
            where date_local <= ? and account_id = ? and location_id is not distinct from ?
            group by date_local, currency order by date_local""",
        [until, account_id, location_id],
    )


def channel_table(
    con: duckdb.DuckDBPyConnection, period: Period, grain: str, account_id: str | None = None
) -> list[Row]:
    """Channel-mart sums per currency and `grain` ("channel" or "campaign")."""
    cols = ", ".join(CHANNEL_GROUPS[grain])
    return rows(
        con,
        f"""select currency, {cols}, {_sums(CHANNEL_SUMS)}
            from marts.mart_channel_performance
            where date_local between ? and ? and (?::varchar is null or account_id = ?)
            group by currency, {cols} order by calls desc, currency, {cols}""",
        [period.start, period.end, account_id, account_id],
    )


def keyword_table(
    con: duckdb.DuckDBPyConnection, period: Period, account_id: str | None = None
) -> list[Row]:
    cols = ", ".join(KEYWORD_GROUP)
    return rows(
        con,
        f"""select currency, {cols}, {_sums(KEYWORD_SUMS)}
            from marts.mart_keyword_performance
            where date_local between ? and ? and (?::varchar is null or account_id = ?)
            group by currency, {cols} order by calls desc, spend desc nulls last, {cols}""",
        [period.start, period.end, account_id, account_id],
    )


def missed_by_hour(con: duckdb.DuckDBPyConnection, account_id: str | None = None) -> list[Row]:
    """Calls and missed calls per local day of week and hour (each account in its own time
    zone, so summing accounts adds up their local business hours)."""
    return rows(
        con,
        """select day_of_week_local, hour_local, sum(calls) as calls,
                sum(missed_calls) as missed_calls
            from marts.mart_missed_calls_by_hour
            where ?::varchar is null or account_id = ?
            group by day_of_week_local, hour_local""",
        [account_id, account_id],
    )


def caller_mix(
    con: duckdb.DuckDBPyConnection, period: Period, account_id: str | None = None
) -> list[Row]:
    """Daily first-time, repeat and unknown (blocked caller id) calls."""
    return rows(
        con,
        """select date_local,
                count(*) filter (where is_first_time_caller) as first_time,
                count(*) filter (where not is_first_time_caller) as repeat,
                count(*) filter (where is_first_time_caller is null) as unknown
            from marts.fct_calls
            where date_local between ? and ? and (?::varchar is null or account_id = ?)
            group by date_local order by date_local""",
        [period.start, period.end, account_id, account_id],
    )


def caller_mix_by_channel(
    con: duckdb.DuckDBPyConnection, period: Period, account_id: str | None = None
) -> list[Row]:
    return rows(
        con,
        """select coalesce(channel, '(none)') as channel, count(*) as calls,
                count(*) filter (where is_first_time_caller) as first_time,
                count(*) filter (where not is_first_time_caller) as repeat,
                count(*) filter (where is_first_time_caller is null) as unknown
            from marts.fct_calls
            where date_local between ? and ? and (?::varchar is null or account_id = ?)
            group by all order by calls desc, channel""",
        [period.start, period.end, account_id, account_id],
    )


# The transcript columns of fct_calls a mix can be drawn from (identifiers, not data).
MIX_COLUMNS = ("sentiment_label", "outcome")


def transcript_mix(
    con: duckdb.DuckDBPyConnection, period: Period, column: str, account_id: str | None = None
) -> list[Row]:
    """Calls per channel and value of a transcript column, over transcribed calls only."""
    if column not in MIX_COLUMNS:
        raise ValueError(f"not a transcript column: {column}")
    return rows(
        con,
        f"""select coalesce(channel, '(none)') as channel, {column} as value, count(*) as calls
            from marts.fct_calls
            where date_local between ? and ? and (?::varchar is null or account_id = ?)
              and {column} is not null
            group by all order by channel, value""",
        [period.start, period.end, account_id, account_id],
    )


def pool_health(
    con: duckdb.DuckDBPyConnection, period: Period, account_id: str | None = None
) -> list[Row]:
    """Per pool over the period: size and recommendation on the last day, peaks and totals."""
    return rows(
        con,
        """select account_id, pool_id,
                arg_max(pool_size, date_local) as pool_size,
                max(peak_concurrent_sessions) as peak_concurrent_sessions,
                sum(sessions) as sessions, sum(minutes_exhausted) as minutes_exhausted,
                count(*) filter (where minutes_exhausted > 0) as days_exhausted,
                sum(calls) as calls, sum(ambiguous_calls) as ambiguous_calls,
                sum(unattributed_calls) as unattributed_calls,
                arg_max(recommended_pool_size, date_local) as recommended_pool_size
            from marts.mart_number_pool_health
            where date_local between ? and ? and (?::varchar is null or account_id = ?)
            group by account_id, pool_id order by account_id, pool_id""",
        [period.start, period.end, account_id, account_id],
    )


def pool_daily(
    con: duckdb.DuckDBPyConnection, period: Period, account_id: str | None = None
) -> list[Row]:
    return rows(
        con,
        """select date_local, account_id, pool_id, pool_size, peak_concurrent_sessions,
                recommended_pool_size
            from marts.mart_number_pool_health
            where date_local between ? and ? and (?::varchar is null or account_id = ?)
            order by account_id, pool_id, date_local""",
        [period.start, period.end, account_id, account_id],
    )
