"""A small synthetic marts warehouse, for previews (`python -m dashboards.screenshot --sample`)
and for the dashboard tests before or besides real pipeline output.

It holds only the `marts` tables the dashboards read, with the columns fixed in
docs/architecture.md ("Marts"). Calls are generated one by one into `fct_calls`; the daily marts
are then aggregated from them in SQL, so every mart agrees with every other the way dbt's do.
It deliberately contains the awkward cases the dashboards must survive: accounts in different
currencies, a multi-location account, days with spend and no calls (zero denominators), channels
with no spend (null money), unknown callers, pools with no calls, and names containing HTML and
script.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

# Names a hostile or careless producer could send; the dashboards must show them as text.
SCRIPT_NAME = "<script>alert(1)</script>"
IMG_NAME = "<img src=x onerror=alert(2)>"
QUOTED_NAME = '"Bob\'s" <b>bold</b>'


@dataclass(frozen=True)
class SampleAccount:
    account_id: str
    name: str
    timezone: str
    currency: str
    locations: tuple[str | None, ...]
    daily_calls: int


ACCOUNTS = (
    SampleAccount(
        "acct_dental",
        "Bright Smile Dental",
        "America/New_York",
        "USD",
        ("loc_north", "loc_south"),
        14,
    ),
    SampleAccount("acct_plumb", QUOTED_NAME + " Plumbing", "Europe/Berlin", "EUR", (None,), 9),
    SampleAccount("acct_law", "Hale & Partners " + SCRIPT_NAME, "Europe/London", "GBP", (None,), 5),
)

# channel -> (source, medium, campaigns, has spend)
CHANNELS: dict[str, tuple[str, str, tuple[str, ...], bool]] = {
    "Paid Search": ("google", "cpc", ("Brand - Exact", "Emergency " + SCRIPT_NAME), True),
    "Paid Social": ("facebook", "paid_social", ("Spring promo " + IMG_NAME,), True),
    "Organic Search": ("google", "organic", ("(none)",), False),
    "Direct": ("(direct)", "(none)", ("(none)",), False),
    "Billboard": ("billboard", "offline", ("Highway 9 board",), True),
}
KEYWORDS = ("emergency plumber", QUOTED_NAME, "dentist near me", SCRIPT_NAME, "teeth whitening")
SENTIMENTS = ("positive", "neutral", "negative")
OUTCOMES = ("booked", "price_inquiry", "complaint", "wrong_number", "voicemail", "other")

CALLS_DDL = """
create table marts.fct_calls (
    call_id varchar, account_id varchar, location_id varchar, currency varchar,
    started_at timestamptz, started_at_local timestamp, date_local date, hour_local integer,
    day_of_week_local integer, tracking_number varchar, number_kind varchar, pool_id varchar,
    caller_key varchar, caller_region varchar, end_status varchar, call_status varchar,
    is_answered boolean, is_missed boolean, duration_seconds bigint, talk_seconds bigint,
    ring_seconds bigint, is_qualified boolean, is_first_time_caller boolean,
    attribution_status varchar, candidate_count integer, session_id varchar, visitor_id varchar,
    channel varchar, source varchar, medium varchar, campaign varchar, ad_group varchar,
    keyword varchar, match_type varchar, landing_page varchar, gclid varchar,
    has_recording boolean, transcript_status varchar, sentiment_score double,
    sentiment_label varchar, outcome varchar, call_score double, is_converted boolean,
    conversion_count integer, conversion_value decimal(18, 2)
)
"""

SPEND_DDL = """
create temp table sample_spend (
    date_local date, account_id varchar, channel varchar, source varchar, medium varchar,
    campaign varchar, ad_group varchar, keyword varchar, match_type varchar,
    impressions bigint, clicks bigint, spend decimal(18, 2)
)
"""

# Daily marts aggregated from the sample calls and spend with the formulas of design.md
# ("Metrics"): a ratio with a zero denominator is null.
CHANNEL_MART_SQL = """
create table marts.mart_channel_performance as
with calls as (
    select date_local, account_id, channel, source, medium, campaign,
        count(*) as calls,
        count(*) filter (where is_answered) as answered_calls,
        count(*) filter (where is_missed) as missed_calls,
        count(*) filter (where is_qualified) as qualified_calls,
        count(*) filter (where is_first_time_caller) as first_time_calls,
        count(*) filter (where is_converted) as converted_calls,
        sum(conversion_value) as conversion_value
    from marts.fct_calls group by all
), spend as (
    select date_local, account_id, channel, source, medium, campaign, sum(spend) as spend
    from sample_spend group by all
), keys as (
    select date_local, account_id, channel, source, medium, campaign from calls
    union select date_local, account_id, channel, source, medium, campaign from spend
), joined as (
    select k.*, a.currency,
        coalesce(c.calls, 0) as calls, coalesce(c.answered_calls, 0) as answered_calls,
        coalesce(c.missed_calls, 0) as missed_calls,
        coalesce(c.qualified_calls, 0) as qualified_calls,
        coalesce(c.first_time_calls, 0) as first_time_calls,
        coalesce(c.converted_calls, 0) as converted_calls,
        c.conversion_value, s.spend
    from keys k
    join marts.dim_accounts a using (account_id)
    left join calls c using (date_local, account_id, channel, source, medium, campaign)
    left join spend s using (date_local, account_id, channel, source, medium, campaign)
)
select date_local, account_id, channel, source, medium, campaign, currency, calls,
    answered_calls, missed_calls, missed_calls / nullif(calls, 0) as missed_call_rate,
    qualified_calls, first_time_calls, first_time_calls / nullif(calls, 0) as first_time_share,
    converted_calls, converted_calls / nullif(calls, 0) as conversion_rate, conversion_value,
    spend, spend / nullif(calls, 0) as cost_per_call,
    spend / nullif(qualified_calls, 0) as cost_per_qualified_call,
    spend / nullif(converted_calls, 0) as cost_per_conversion,
    conversion_value / nullif(spend, 0) as roas
from joined
"""

KEYWORD_MART_SQL = """
create table marts.mart_keyword_performance as
with calls as (
    select date_local, account_id, campaign, ad_group, keyword, match_type,
        count(*) as calls, count(*) filter (where is_qualified) as qualified_calls,
        count(*) filter (where is_converted) as converted_calls,
        sum(conversion_value) as conversion_value
    from marts.fct_calls where keyword is not null group by all
), spend as (
    select date_local, account_id, campaign, ad_group, keyword, match_type,
        sum(impressions) as impressions, sum(clicks) as clicks, sum(spend) as spend
    from sample_spend where keyword is not null group by all
), joined as (
    select s.date_local, s.account_id, 'google_ads' as platform, s.campaign, s.ad_group,
        s.keyword, s.match_type, a.currency,
        'c-' || md5(s.campaign)[:6] as campaign_id, 'g-' || md5(s.ad_group)[:6] as ad_group_id,
        'k-' || md5(s.keyword)[:6] as keyword_id, s.impressions, s.clicks,
        coalesce(c.calls, 0) as calls, coalesce(c.qualified_calls, 0) as qualified_calls,
        coalesce(c.converted_calls, 0) as converted_calls, c.conversion_value, s.spend
    from spend s
    join marts.dim_accounts a using (account_id)
    left join calls c using (date_local, account_id, campaign, ad_group, keyword, match_type)
)
select *, spend / nullif(calls, 0) as cost_per_call,
    spend / nullif(qualified_calls, 0) as cost_per_qualified_call,
    spend / nullif(converted_calls, 0) as cost_per_conversion,
    calls / nullif(clicks, 0) as click_to_call_rate, conversion_value / nullif(spend, 0) as roas
from joined
"""

MISSED_MART_SQL = """
create table marts.mart_missed_calls_by_hour as
select account_id, day_of_week_local, hour_local,
    ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']
        [day_of_week_local + 1] as day_name,
    count(*) as calls, count(*) filter (where is_missed) as missed_calls,
    count(*) filter (where is_missed) / count(*) as missed_call_rate
from marts.fct_calls group by all
"""

LOCATION_MART_SQL = """
create table marts.mart_location_performance as
select date_local, account_id, location_id, any_value(currency) as currency,
    count(*) as calls,
    count(*) filter (where is_answered) as answered_calls,
    count(*) filter (where is_missed) as missed_calls,
    count(*) filter (where is_missed) / count(*) as missed_call_rate,
    count(*) filter (where is_qualified) as qualified_calls,
    count(*) filter (where is_first_time_caller) as first_time_calls,
    count(*) filter (where is_converted) as converted_calls,
    count(*) filter (where is_converted) / count(*) as conversion_rate,
    sum(conversion_value) as conversion_value
from marts.fct_calls group by date_local, account_id, location_id
"""

POOL_DDL = """
create table marts.mart_number_pool_health (
    date_local date, account_id varchar, pool_id varchar, pool_size integer, sessions bigint,
    peak_concurrent_sessions integer, minutes_exhausted double, calls bigint,
    ambiguous_calls bigint, unattributed_calls bigint, recommended_pool_size integer
)
"""


def build_sample_warehouse(
    path: str | Path, *, days: int = 42, end: date = date(2026, 10, 31), seed: int = 7
) -> Path:
    """Write a fresh sample warehouse with the marts tables to `path` and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    rng = random.Random(seed)
    start = end - timedelta(days=days - 1)
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")
        con.execute(
            "create table marts.dim_accounts (account_id varchar, name varchar, timezone varchar,"
            " currency varchar, qualified_call_seconds integer)"
        )
        con.executemany(
            "insert into marts.dim_accounts values (?, ?, ?, ?, 90)",
            [(a.account_id, a.name, a.timezone, a.currency) for a in ACCOUNTS],
        )
        con.execute(CALLS_DDL)
        con.execute(SPEND_DDL)
        calls, spend = _generate(rng, start, days)
        # Bulk inserts through Arrow: row-by-row executemany takes seconds.
        _insert(con, "marts.fct_calls", calls)
        _insert(con, "sample_spend", spend)
        for sql in (CHANNEL_MART_SQL, KEYWORD_MART_SQL, MISSED_MART_SQL, LOCATION_MART_SQL):
            con.execute(sql)
        con.execute(POOL_DDL)
        _insert(con, "marts.mart_number_pool_health", _pools(rng, start, days))
    finally:
        con.close()
    return path


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    names = [d[0] for d in con.execute(f"select * from {table} limit 0").description]
    columns = zip(*rows, strict=True)
    data = pa.table({n: pa.array(list(c)) for n, c in zip(names, columns, strict=True)})
    con.register("sample_rows", data)
    con.execute(f"insert into {table} select * from sample_rows")
    con.unregister("sample_rows")


def _generate(rng: random.Random, start: date, days: int) -> tuple[list[tuple], list[tuple]]:
    calls: list[tuple] = []
    spend: list[tuple] = []
    callers: dict[str, list[str]] = {a.account_id: [] for a in ACCOUNTS}
    n = 0
    for d in range(days):
        day = start + timedelta(days=d)
        growth = 1.0 + 0.012 * d  # a gentle upward trend makes period-over-period changes visible
        weekend = day.weekday() >= 5
        for acct in ACCOUNTS:
            # The last account has a day with spend but no calls: zero denominators.
            quiet = acct is ACCOUNTS[-1] and d == days - 3
            expected = 0 if quiet else acct.daily_calls * growth * (0.55 if weekend else 1.0)
            for channel, (source, medium, campaigns, paid) in CHANNELS.items():
                if not paid:
                    continue
                keywords = KEYWORDS if channel == "Paid Search" else (None,)
                for campaign, keyword in ((c, k) for c in campaigns for k in keywords):
                    clicks = rng.randint(2, 12)
                    cost = round(clicks * rng.uniform(1.2, 6.5), 2)
                    spend.append(
                        (day, acct.account_id, channel, source, medium, campaign,
                         "Ad group 1" if keyword else None, keyword,
                         "phrase" if keyword else None, clicks * rng.randint(8, 30), clicks, cost)
                    )  # fmt: skip
            n_calls = _poisson(rng, expected)
            for _ in range(n_calls):
                n += 1
                calls.append(_call(rng, n, acct, day, callers))
    return calls, spend


def _call(
    rng: random.Random, n: int, acct: SampleAccount, day: date, callers: dict[str, list[str]]
) -> tuple:
    channel = rng.choices(list(CHANNELS), weights=(5, 2, 3, 2, 1))[0]
    source, medium, campaigns, _ = CHANNELS[channel]
    campaign = rng.choice(campaigns)
    # Every paid-search keyword has a spend row every day, so each keyword call lands on one.
    keyword = rng.choice(KEYWORDS) if channel == "Paid Search" else None
    hour = min(23, max(0, int(rng.gauss(13, 3.5))))
    local = datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), tzinfo=UTC)
    # Missed calls cluster at lunch and after hours, so the heatmap has a shape.
    p_missed = 0.45 if hour in (12, 13) or hour >= 18 or hour < 8 else 0.12
    missed = rng.random() < p_missed
    talk = 0 if missed else int(rng.expovariate(1 / 150))
    known = rng.random() > 0.08
    caller = None
    first: bool | None = None
    if known:
        pool = callers[acct.account_id]
        if pool and rng.random() < 0.3:
            caller, first = rng.choice(pool), False
        else:
            caller, first = f"ck{n:06x}", True
            pool.append(caller)
    converted = (not missed) and rng.random() < (0.35 if talk >= 90 else 0.05)
    transcribed = (not missed) and rng.random() < 0.8
    sentiment = rng.choices(SENTIMENTS, weights=(5, 3, 2))[0] if transcribed else None
    outcome = rng.choice(OUTCOMES) if transcribed else None
    pool_call = channel in ("Paid Search", "Paid Social", "Organic Search", "Direct")
    return (
        f"call{n:06d}", acct.account_id, rng.choice(acct.locations), acct.currency,
        local, local.replace(tzinfo=None), day, hour, day.weekday(),
        f"+1555{n % 1000:07d}", "pool" if pool_call else "static",
        "pool_main" if pool_call else None, caller, "NY" if known else None,
        "no_answer" if missed else "completed", "completed", not missed, missed,
        talk + 12, talk, 12, talk >= 90, first,
        "matched" if pool_call else "static", 1 if pool_call else 0,
        f"s{n}" if pool_call else None, f"v{n}" if pool_call else None,
        channel, source, medium, campaign, "Ad group 1" if keyword else None, keyword,
        "phrase" if keyword else None, "https://example.com/" if pool_call else None, None,
        not missed, "ok" if transcribed else None,
        {"positive": 0.6, "neutral": 0.0, "negative": -0.5}.get(sentiment or ""),
        sentiment, outcome, round(rng.random(), 3), converted, 1 if converted else 0,
        round(rng.uniform(80, 900), 2) if converted else None,
    )  # fmt: skip


def _pools(rng: random.Random, start: date, days: int) -> list[tuple]:
    rows = []
    for acct in ACCOUNTS:
        size = 6 if acct is ACCOUNTS[0] else 4
        for d in range(days):
            peak = rng.randint(2, size + 3)
            exhausted = max(0, peak - size) * rng.uniform(5, 30)
            calls = rng.randint(0, 12)
            rows.append(
                (start + timedelta(days=d), acct.account_id, "pool_main", size,
                 rng.randint(20, 120), peak, round(exhausted, 1), calls, rng.randint(0, 2),
                 rng.randint(0, 2) if exhausted else 0, max(size, peak + 2))
            )  # fmt: skip
    return rows


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method: lam is small (tens) here, so the loop is short.
    if lam <= 0:
        return 0
    threshold, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1
