"""A small hand-made warehouse with every table the dbt project reads.

Rows are chosen to exercise the mart rules (local dates across midnight, per-account qualified
threshold, first-time callers, conversion linking by call_id and by caller_key inside and outside
the 30-day window, restated ad spend, offline spend spreading, an ambiguous pool call, two
currencies, a pool that runs out of numbers). Tables and current views are created by
ingestion's and attribution's own DDL; rows are hand-made (attribution's output included, so
each rule is pinned by a known input). Values go in through Arrow, never as SQL text.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ingest import contract
from ingest.load import ensure_tables as ensure_raw_tables
from ingest.warehouse import connect
from models.tables import ensure_tables as ensure_ml_tables
from pipelines.attribution.engine import ensure_tables as ensure_attribution_tables
from transcribe.tables import ensure_tables as ensure_transcript_tables

UTC = dt.UTC
T = pa.timestamp("us", tz="UTC")

ATTRIBUTION_SCHEMAS: dict[str, pa.Schema] = {
    "sessions": pa.schema(
        [
            ("account_id", pa.string()),
            ("session_id", pa.string()),
            ("visitor_id", pa.string()),
            ("started_at", T),
            ("last_beacon_at", T),
            ("ended_at", T),
            ("beacon_count", pa.int64()),
            ("page_views", pa.int64()),
            ("landing_page", pa.string()),
            ("referrer", pa.string()),
            ("utm_source", pa.string()),
            ("utm_medium", pa.string()),
            ("utm_campaign", pa.string()),
            ("utm_term", pa.string()),
            ("utm_content", pa.string()),
            ("gclid", pa.string()),
            ("msclkid", pa.string()),
            ("fbclid", pa.string()),
            ("channel", pa.string()),
            ("source", pa.string()),
            ("medium", pa.string()),
            ("campaign", pa.string()),
            ("keyword", pa.string()),
            ("ad_group", pa.string()),
            ("match_type", pa.string()),
            ("campaign_id", pa.string()),
            ("ad_group_id", pa.string()),
            ("keyword_id", pa.string()),
            ("computed_at", T),
        ]
    ),
    "deleted_sessions": pa.schema(
        [
            ("account_id", pa.string()),
            ("session_id", pa.string()),
            ("started_at", T),
            ("deleted_at", T),
        ]
    ),
    "number_assignments": pa.schema(
        [
            ("account_id", pa.string()),
            ("session_id", pa.string()),
            ("tracking_number", pa.string()),
            ("pool_id", pa.string()),
            ("assigned_at", T),
            ("held_until", T),
            ("computed_at", T),
        ]
    ),
    "call_attribution": pa.schema(
        [
            ("call_id", pa.string()),
            ("account_id", pa.string()),
            ("started_at", T),
            ("tracking_number", pa.string()),
            ("number_kind", pa.string()),
            ("pool_id", pa.string()),
            ("location_id", pa.string()),
            ("caller_key", pa.string()),
            ("is_first_time_caller", pa.bool_()),
            ("attribution_status", pa.string()),
            ("candidate_count", pa.int64()),
            ("session_id", pa.string()),
            ("visitor_id", pa.string()),
            ("channel", pa.string()),
            ("source", pa.string()),
            ("medium", pa.string()),
            ("campaign", pa.string()),
            ("ad_group", pa.string()),
            ("keyword", pa.string()),
            ("match_type", pa.string()),
            ("campaign_id", pa.string()),
            ("ad_group_id", pa.string()),
            ("keyword_id", pa.string()),
            ("gclid", pa.string()),
            ("landing_page", pa.string()),
            ("attributed_at", T),
        ]
    ),
    "touches": pa.schema(
        [
            ("call_id", pa.string()),
            ("session_id", pa.string()),
            ("model", pa.string()),
            ("weight", pa.float64()),
            ("touch_index", pa.int64()),
            ("session_started_at", T),
            ("channel", pa.string()),
            ("source", pa.string()),
            ("medium", pa.string()),
            ("campaign", pa.string()),
            ("keyword", pa.string()),
        ]
    ),
    "conversion_caller_keys": pa.schema([("event_id", pa.string()), ("caller_key", pa.string())]),
}


def ts(text: str) -> dt.datetime:
    """'2026-10-01 14:00' (UTC) as an aware datetime."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Every source table of the dbt project, empty."""
    # the real DDL and current views of ingestion and attribution
    ensure_raw_tables(con)
    ensure_attribution_tables(con)
    ensure_transcript_tables(con)
    ensure_ml_tables(con)


def _raw_table(
    feed: contract.Feed, rows: list[dict[str, Any]], arrival: dt.date, load_id: int
) -> pa.Table:
    cols = {f.name: [r.get(f.name) for r in rows] for f in feed.fields}
    for r in rows:
        unknown = set(r) - set(cols)
        if unknown:
            raise KeyError(f"{feed.name} has no fields {sorted(unknown)}")
    defaults = {"schema_version": contract.SCHEMA_VERSION}
    for name, value in defaults.items():
        cols[name] = [value if v is None else v for v in cols[name]]
    table = pa.Table.from_pydict(cols, schema=feed.schema)
    n = len(rows)
    key = f"{feed.name}/dt={arrival.isoformat()}/fixture-{load_id}.parquet"
    return (
        table.append_column("_file_key", pa.array([key] * n, pa.string()))
        .append_column("_row_number", pa.array(range(n), pa.int64()))
        .append_column("_arrival_date", pa.array([arrival] * n, pa.date32()))
        .append_column(
            "_loaded_at", pa.array([dt.datetime.now(UTC)] * n, pa.timestamp("us", tz="UTC"))
        )
        .append_column("_load_id", pa.array([load_id] * n, pa.int64()))
    )


def add_raw(
    con: duckdb.DuckDBPyConnection,
    feed_name: str,
    rows: list[dict[str, Any]],
    *,
    arrival: dt.date,
    load_id: int,
) -> None:
    arrow_rows = _raw_table(contract.feed(feed_name), rows, arrival, load_id)  # noqa: F841
    con.execute(f"insert into raw.{feed_name} by name select * from arrow_rows")


def add_attribution(con: duckdb.DuckDBPyConnection, name: str, rows: list[dict[str, Any]]) -> None:
    schema = ATTRIBUTION_SCHEMAS[name]
    arrow_rows = pa.Table.from_pylist(  # noqa: F841
        [{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema
    )
    con.execute(f"insert into attribution.{name} by name select * from arrow_rows")


def replace_attribution(
    con: duckdb.DuckDBPyConnection, name: str, rows: list[dict[str, Any]]
) -> None:
    con.execute(f"delete from attribution.{name}")
    add_attribution(con, name, rows)


def call(
    call_id: str,
    account: str,
    number: str,
    start: str,
    *,
    answered: bool,
    talk: int,
    ring: int = 10,
    end_status: str | None = None,
    ended: bool = True,
    region: str = "NY",
) -> list[dict[str, Any]]:
    """The call_events rows of one call (no caller_number: the marts never read it)."""
    t0 = ts(start)
    base = {"account_id": account, "call_id": call_id, "tracking_number": number}
    rows = [
        base
        | {
            "event_id": f"{call_id}-s",
            "event_type": "call.started",
            "occurred_at": t0,
            "caller_region": region,
            "destination_number": "+15557770000",
        }
    ]
    if answered:
        rows.append(
            base
            | {
                "event_id": f"{call_id}-a",
                "event_type": "call.answered",
                "occurred_at": t0 + dt.timedelta(seconds=ring),
            }
        )
    if ended:
        rows.append(
            base
            | {
                "event_id": f"{call_id}-e",
                "event_type": "call.ended",
                "occurred_at": t0 + dt.timedelta(seconds=ring + talk),
                "end_status": end_status or ("completed" if answered else "no_answer"),
                "duration_seconds": ring + talk,
                "talk_seconds": talk,
            }
        )
    return rows


def attribution_row(
    call_id: str,
    account: str,
    number: str,
    start: str,
    *,
    kind: str,
    status: str,
    caller_key: str | None,
    first_time: bool | None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "call_id": call_id,
        "account_id": account,
        "started_at": ts(start),
        "tracking_number": number,
        "number_kind": kind,
        "attribution_status": status,
        "caller_key": caller_key,
        "is_first_time_caller": first_time,
        "candidate_count": 1 if status in ("matched", "ambiguous") else 0,
        "attributed_at": ts("2026-10-10 00:00"),
        **extra,
    }


# --- the data set -------------------------------------------------------------------------

NY = "acct_ny"  # America/New_York, USD, qualified from 60 s
BER = "acct_ber"  # Europe/Berlin, EUR, default threshold (90 s)

STATIC_NY = "+15550000001"
POOL_NY = ("+15550000011", "+15550000012")
STATIC_BER = "+493000000001"

PAID = {
    "channel": "Paid Search",
    "source": "google",
    "medium": "cpc",
    "campaign": "Brand",
    "ad_group": "Plumbers",
    "keyword": "plumber near me",
    "match_type": "exact",
    "campaign_id": "c1",
    "ad_group_id": "g1",
    "keyword_id": "k1",
}
BILLBOARD = {
    "channel": "Billboard",
    "source": "billboard",
    "medium": "offline",
    "campaign": "Highway 101",
}


def load_base(con: duckdb.DuckDBPyConnection) -> None:
    """Days 2026-10-01 .. 2026-10-03: everything but the late day (see `load_late_day`)."""
    d1 = dt.date(2026, 10, 1)
    add_raw(
        con,
        "accounts",
        [
            {
                "account_id": NY,
                "name": "NY Plumbing",
                "timezone": "America/New_York",
                "currency": "USD",
                "qualified_call_seconds": 60,
            },
            {
                "account_id": BER,
                "name": "Berlin Dental",
                "timezone": "Europe/Berlin",
                "currency": "EUR",
            },
        ],
        arrival=d1,
        load_id=1,
    )
    add_raw(
        con,
        "tracking_numbers",
        [
            {
                "account_id": NY,
                "tracking_number": STATIC_NY,
                "number_kind": "static",
                "location_id": "loc_downtown",
                "valid_from": ts("2026-01-01 00:00"),
                **BILLBOARD,
            },
            *[
                {
                    "account_id": NY,
                    "tracking_number": n,
                    "number_kind": "pool",
                    "pool_id": "pool_web",
                    "location_id": "loc_downtown",
                    "valid_from": ts("2026-01-01 00:00"),
                }
                for n in POOL_NY
            ],
            {
                "account_id": BER,
                "tracking_number": STATIC_BER,
                "number_kind": "static",
                "channel": "Directory",
                "source": "gelbe_seiten",
                "medium": "listing",
                "campaign": "GS 2026",
                "valid_from": ts("2026-01-01 00:00"),
            },
        ],
        arrival=d1,
        load_id=1,
    )
    add_raw(
        con,
        "offline_spend",
        [
            {
                "account_id": NY,
                "month": dt.date(2026, 10, 1),
                "channel": "Billboard",
                "source": "billboard",
                "campaign": "Highway 101",
                "cost": Decimal("310.01"),
            }
        ],
        arrival=d1,
        load_id=1,
    )
    spend_key = {
        "account_id": NY,
        "platform": "google_ads",
        "ad_account_id": "aa1",
        "campaign_id": "c1",
        "campaign_name": "Brand",
        "ad_group_id": "g1",
        "ad_group_name": "Plumbers",
        "keyword_id": "k1",
        "keyword_text": "plumber near me",
        "match_type": "exact",
        "currency": "USD",
    }
    add_raw(
        con,
        "ad_spend",
        [
            spend_key
            | {
                "date": dt.date(2026, 10, 1),
                "impressions": 100,
                "clicks": 10,
                "cost_micros": 12_340_000,
            },
            spend_key
            | {
                "date": dt.date(2026, 10, 2),
                "impressions": 50,
                "clicks": 0,
                "cost_micros": 5_000_000,
            },
            {
                "account_id": NY,
                "platform": "meta_ads",
                "date": dt.date(2026, 10, 1),
                "ad_account_id": "fb1",
                "campaign_id": "m1",
                "campaign_name": "Spring Social",
                "ad_group_id": "as1",
                "ad_group_name": "Homeowners",
                "impressions": 1000,
                "clicks": 20,
                "spend": Decimal("20.00"),
                "currency": "USD",
            },
        ],
        arrival=dt.date(2026, 10, 2),
        load_id=2,
    )
    # the platform restates 10-01: 12.34 -> 15.00 (must be counted once, as 15.00)
    add_raw(
        con,
        "ad_spend",
        [
            spend_key
            | {
                "date": dt.date(2026, 10, 1),
                "impressions": 120,
                "clicks": 12,
                "cost_micros": 15_000_000,
            }
        ],
        arrival=dt.date(2026, 10, 3),
        load_id=3,
    )
    events = [
        # first-time caller k_alice on the billboard, 120 s talk: qualified (>= 60)
        *call("c1", NY, STATIC_NY, "2026-10-01 14:00", answered=True, talk=120),
        # alice again from the website (matched, Paid Search keyword), 30 s: not qualified
        *call("c2", NY, POOL_NY[0], "2026-10-01 15:00", answered=True, talk=30),
        # missed call, ambiguous pool match
        *call("c3", NY, POOL_NY[1], "2026-10-01 16:00", answered=False, talk=0),
        # 02:30 UTC on 10-02 is 22:30 on 10-01 in New York
        *call("c5", NY, STATIC_NY, "2026-10-02 02:30", answered=True, talk=75),
        # still in progress (no call.ended)
        *call("c4", NY, STATIC_NY, "2026-10-03 13:00", answered=True, talk=0, ended=False),
        # Berlin, blocked caller id, 100 s: qualified under the default 90 s
        *call("c6", BER, STATIC_BER, "2026-10-02 08:00", answered=True, talk=100, region="BE"),
        # Berlin, 80 s: not qualified under 90 s (it would be in New York)
        *call("c7", BER, STATIC_BER, "2026-10-02 09:00", answered=True, talk=80, region="BE"),
    ]
    add_raw(con, "call_events", events, arrival=dt.date(2026, 10, 3), load_id=4)
    add_raw(
        con,
        "conversions",
        [
            # by call_id
            {
                "account_id": NY,
                "event_id": "cv1",
                "event_type": "conversion.recorded",
                "occurred_at": ts("2026-10-02 10:00"),
                "conversion_type": "sale",
                "call_id": "c1",
                "value": Decimal("100.00"),
                "currency": "USD",
            },
            # by caller key: alice's latest call before 10-05 is c5? no: c5 is bob's; it is c2
            {
                "account_id": NY,
                "event_id": "cv2",
                "event_type": "conversion.recorded",
                "occurred_at": ts("2026-10-05 10:00"),
                "conversion_type": "appointment_booked",
                "value": Decimal("50.00"),
                "currency": "USD",
            },
            # alice again, 40 days after her last call: outside the window, unlinked
            {
                "account_id": NY,
                "event_id": "cv3",
                "event_type": "conversion.recorded",
                "occurred_at": ts("2026-11-10 10:00"),
                "conversion_type": "sale",
                "value": Decimal("70.00"),
                "currency": "USD",
            },
            # Berlin, by call_id, no value
            {
                "account_id": BER,
                "event_id": "cv4",
                "event_type": "conversion.recorded",
                "occurred_at": ts("2026-10-02 12:00"),
                "conversion_type": "qualified_lead",
                "call_id": "c6",
            },
        ],
        arrival=dt.date(2026, 10, 3),
        load_id=4,
    )
    add_attribution(
        con,
        "conversion_caller_keys",
        [
            {"event_id": "cv2", "caller_key": "k_alice"},
            {"event_id": "cv3", "caller_key": "k_alice"},
        ],
    )
    add_attribution(
        con,
        "sessions",
        [
            {
                "computed_at": ts("2026-10-10 00:00"),
                "account_id": NY,
                "session_id": "s1",
                "visitor_id": "v1",
                "started_at": ts("2026-10-01 14:50"),
                "last_beacon_at": ts("2026-10-01 15:05"),
                "ended_at": ts("2026-10-01 15:35"),
                "beacon_count": 4,
                "page_views": 2,
                "landing_page": "https://example.com/?utm_source=google",
                "gclid": "gclid-1",
                "utm_term": "plumber near me",
                **PAID,
            },
            {
                "computed_at": ts("2026-10-10 00:00"),
                "account_id": NY,
                "session_id": "s2",
                "visitor_id": "v2",
                "started_at": ts("2026-10-01 15:40"),
                "last_beacon_at": ts("2026-10-01 15:58"),
                "ended_at": ts("2026-10-01 16:28"),
                "beacon_count": 3,
                "page_views": 1,
                "channel": "Direct",
            },
            {
                "computed_at": ts("2026-10-10 00:00"),
                "account_id": NY,
                "session_id": "s3",
                "visitor_id": "v3",
                "started_at": ts("2026-10-01 15:45"),
                "last_beacon_at": ts("2026-10-01 15:59"),
                "ended_at": ts("2026-10-01 16:29"),
                "beacon_count": 2,
                "page_views": 1,
                "channel": "Organic Search",
                "source": "google",
                "medium": "organic",
            },
        ],
    )
    # pool_web has 2 numbers; s1, s2, s3 overlap from 15:45 to 15:35+... : 3 sessions held at
    # once between 15:45 and 15:50 would exhaust it (s1 released its number at 15:50 here)
    add_attribution(
        con,
        "number_assignments",
        [
            {
                "account_id": NY,
                "session_id": "s1",
                "tracking_number": POOL_NY[0],
                "pool_id": "pool_web",
                "assigned_at": ts("2026-10-01 14:50"),
                "held_until": ts("2026-10-01 15:50"),
                "computed_at": ts("2026-10-10 00:00"),
            },
            {
                "account_id": NY,
                "session_id": "s2",
                "tracking_number": POOL_NY[1],
                "pool_id": "pool_web",
                "assigned_at": ts("2026-10-01 15:40"),
                "held_until": ts("2026-10-01 16:28"),
                "computed_at": ts("2026-10-10 00:00"),
            },
            {
                "account_id": NY,
                "session_id": "s3",
                "tracking_number": POOL_NY[1],
                "pool_id": "pool_web",
                "assigned_at": ts("2026-10-01 15:45"),
                "held_until": ts("2026-10-01 16:29"),
                "computed_at": ts("2026-10-10 00:00"),
            },
        ],
    )
    add_attribution(
        con,
        "call_attribution",
        [
            attribution_row(
                "c1",
                NY,
                STATIC_NY,
                "2026-10-01 14:00",
                kind="static",
                status="static",
                caller_key="k_alice",
                first_time=True,
                location_id="loc_downtown",
                **BILLBOARD,
            ),
            attribution_row(
                "c2",
                NY,
                POOL_NY[0],
                "2026-10-01 15:00",
                kind="pool",
                status="matched",
                caller_key="k_alice",
                first_time=False,
                pool_id="pool_web",
                location_id="loc_downtown",
                session_id="s1",
                visitor_id="v1",
                gclid="gclid-1",
                **PAID,
            ),
            attribution_row(
                "c3",
                NY,
                POOL_NY[1],
                "2026-10-01 16:00",
                kind="pool",
                status="ambiguous",
                caller_key="k_carol",
                first_time=True,
                pool_id="pool_web",
                location_id="loc_downtown",
                session_id="s3",
                visitor_id="v3",
                channel="Organic Search",
                source="google",
                medium="organic",
                candidate_count=2,
            ),
            attribution_row(
                "c5",
                NY,
                STATIC_NY,
                "2026-10-02 02:30",
                kind="static",
                status="static",
                caller_key="k_bob",
                first_time=True,
                location_id="loc_downtown",
                **BILLBOARD,
            ),
            attribution_row(
                "c4",
                NY,
                STATIC_NY,
                "2026-10-03 13:00",
                kind="static",
                status="static",
                caller_key="k_bob",
                first_time=False,
                location_id="loc_downtown",
                **BILLBOARD,
            ),
            attribution_row(
                "c6",
                BER,
                STATIC_BER,
                "2026-10-02 08:00",
                kind="static",
                status="static",
                caller_key=None,
                first_time=None,
                channel="Directory",
                source="gelbe_seiten",
                medium="listing",
                campaign="GS 2026",
            ),
            attribution_row(
                "c7",
                BER,
                STATIC_BER,
                "2026-10-02 09:00",
                kind="static",
                status="static",
                caller_key="k_dora",
                first_time=True,
                channel="Directory",
                source="gelbe_seiten",
                medium="listing",
                campaign="GS 2026",
            ),
        ],
    )
    add_attribution(
        con,
        "touches",
        [
            {
                "call_id": "c2",
                "session_id": "s1",
                "model": m,
                "weight": 1.0,
                "touch_index": 0,
                "session_started_at": ts("2026-10-01 14:50"),
                **PAID,  # s1's
            }
            for m in ("first_touch", "last_touch", "linear", "time_decay", "position_based")
        ],
    )


def load_late_day(con: duckdb.DuckDBPyConnection) -> None:
    """The next day's arrivals: new calls, a late call.ended, a late conversion for an old
    call, a new spend restatement. A daily incremental run must end where a rebuild does."""
    events = [
        *call("c8", NY, STATIC_NY, "2026-10-04 15:00", answered=True, talk=200),
        # c4 finally ends (it was in progress)
        {
            "account_id": NY,
            "call_id": "c4",
            "tracking_number": STATIC_NY,
            "event_id": "c4-e",
            "event_type": "call.ended",
            "occurred_at": ts("2026-10-03 13:05"),
            "end_status": "completed",
            "duration_seconds": 300,
            "talk_seconds": 290,
        },
    ]
    add_raw(con, "call_events", events, arrival=dt.date(2026, 10, 4), load_id=5)
    add_raw(
        con,
        "conversions",
        [
            {
                "account_id": BER,
                "event_id": "cv5",
                "event_type": "conversion.recorded",
                "occurred_at": ts("2026-10-04 12:00"),
                "conversion_type": "sale",
                "call_id": "c7",
                "value": Decimal("80.00"),
                "currency": "EUR",
            }
        ],
        arrival=dt.date(2026, 10, 4),
        load_id=5,
    )
    add_attribution(
        con,
        "call_attribution",
        [
            attribution_row(
                "c8",
                NY,
                STATIC_NY,
                "2026-10-04 15:00",
                kind="static",
                status="static",
                caller_key="k_erin",
                first_time=True,
                location_id="loc_downtown",
                **BILLBOARD,
            )
            | {"attributed_at": ts("2026-10-11 00:00")}
        ],
    )


def _pool_session(
    session_id: str, start: str, end: str, number: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A pool session of NY (session row and its number assignment), for `load_pool_days`."""
    return (
        {
            "account_id": NY,
            "session_id": session_id,
            "visitor_id": f"v_{session_id}",
            "started_at": ts(start),
            "last_beacon_at": ts(start),
            "ended_at": ts(end),
            "beacon_count": 1,
            "page_views": 1,
            "channel": "Direct",
        },
        {
            "account_id": NY,
            "session_id": session_id,
            "tracking_number": number,
            "pool_id": "pool_web",
            "assigned_at": ts(start),
            "held_until": ts(end),
        },
    )


def _static_call(
    con: duckdb.DuckDBPyConnection,
    call_id: str,
    start: str,
    caller_key: str,
    load_id: int,
    attributed_at: dt.datetime | None = None,
) -> None:
    """An answered call of NY on the static number, with its attribution (attributed three
    days after it started unless told)."""
    add_raw(
        con,
        "call_events",
        call(call_id, NY, STATIC_NY, start, answered=True, talk=100),
        arrival=ts(start).date() + dt.timedelta(days=2),
        load_id=load_id,
    )
    row = attribution_row(
        call_id,
        NY,
        STATIC_NY,
        start,
        kind="static",
        status="static",
        caller_key=caller_key,
        first_time=False,
        location_id="loc_downtown",
        **BILLBOARD,
    )
    attributed_at = attributed_at or ts(start) + dt.timedelta(days=3)
    add_attribution(con, "call_attribution", [row | {"attributed_at": attributed_at}])


def load_pool_days(con: duckdb.DuckDBPyConnection, step: int) -> None:
    """Later days of pool traffic in two arrivals, so that a daily run rebuilds the recent days
    of the pool models and keeps older ones: step 1 brings 2026-10-05 (local New York) with
    holds across both its midnights (and a session of 2026-10-03); step 2 a late session of
    2026-10-05, s20 recomputed by attribution after a straggling beacon, s21 replaced by s25
    (an earlier beacon moved its start), two overlapping sessions of 2026-10-08, a pool call
    (c9) attributed to one of them, an old call (c2) re-attributed as ambiguous, losing its
    touches, and s19 removed (its beacons erased), which step 2 changes nothing else as early
    as. Each step brings a static call too (c10; c11 late, taking a conversion from an older
    call)."""
    # an old visit of the account without a pool (no assignment), seen late by step 1 and
    # removed by attribution in step 2 (its beacons erased): twelve days old by then and older
    # than every other session step 2 changes, still deleted
    old_visit = {
        "account_id": BER,
        "session_id": "s26",
        "visitor_id": "v_s26",
        "started_at": ts("2026-09-30 09:00"),
        "last_beacon_at": ts("2026-09-30 09:05"),
        "ended_at": ts("2026-09-30 09:35"),
        "beacon_count": 2,
        "page_views": 2,
        # of a campaign: its removal takes it out of the campaign's session counts
        "channel": "Paid Search",
        "source": "google",
        "medium": "cpc",
        "campaign": "Highway 101",
        "computed_at": ts("2026-10-11 00:00"),
    }
    if step == 1:
        _static_call(con, "c10", "2026-10-06 12:00", "k_gina", load_id=6)
        add_attribution(con, "sessions", [old_visit])
        rows = [
            _pool_session("s19", "2026-10-03 12:00", "2026-10-03 12:30", POOL_NY[1]),
            _pool_session("s20", "2026-10-05 14:00", "2026-10-05 14:40", POOL_NY[0]),
            _pool_session("s21", "2026-10-06 03:30", "2026-10-06 04:30", POOL_NY[1]),
            # the first hours of 2026-10-05 (local), which step 2 rebuilds from its midnight
            # (s28 is the first assignment of the UTC day that step 2 changes): a long hold
            # from the UTC day before across that midnight, and a session just after it (the
            # pool models read the assignments from a few hours before the midnight)
            _pool_session("s27", "2026-10-04 23:50", "2026-10-05 04:20", POOL_NY[0]),
            _pool_session("s28", "2026-10-05 05:00", "2026-10-05 05:20", POOL_NY[1]),
        ]
    else:
        rows = [
            _pool_session("s22", "2026-10-05 20:00", "2026-10-05 20:10", POOL_NY[0]),
            _pool_session("s23", "2026-10-08 10:00", "2026-10-08 11:00", POOL_NY[0]),
            _pool_session("s24", "2026-10-08 10:30", "2026-10-08 10:45", POOL_NY[1]),
        ]
    if step == 2:
        # a late call of k_alice before cv2 (2026-10-05): cv2 moves to it from c2, an older
        # call
        _static_call(con, "c11", "2026-10-04 09:00", "k_alice", load_id=8)
        straggler = _pool_session("s20", "2026-10-05 14:00", "2026-10-05 15:10", POOL_NY[0])
        straggler[0].update(last_beacon_at=ts("2026-10-05 14:40"), beacon_count=2)
        rows.append(straggler)
        # a late beacon just before s21 (built by the last run) starts
        # its visit earlier: attribution replaces s21 by s25, and s21 vanishes
        rows.append(_pool_session("s25", "2026-10-06 03:20", "2026-10-06 04:30", POOL_NY[1]))
        for table in ("sessions", "number_assignments"):
            con.execute(
                f"delete from attribution.{table} where session_id in ('s19', 's20', 's21')"
            )
        con.execute("delete from attribution.sessions where session_id = 's26'")
        # as the engine records them: the sessions removed (s20 is written again)
        add_attribution(
            con,
            "deleted_sessions",
            [
                {
                    "account_id": account_id,
                    "session_id": session_id,
                    "started_at": ts(started_at),
                    "deleted_at": ts("2026-10-12 00:00"),
                }
                for account_id, session_id, started_at in (
                    (NY, "s19", "2026-10-03 12:00"),
                    (NY, "s21", "2026-10-06 03:30"),
                    (BER, "s26", "2026-09-30 09:00"),
                )
            ],
        )
        add_raw(
            con,
            "call_events",
            call("c9", NY, POOL_NY[0], "2026-10-08 10:20", answered=True, talk=120),
            arrival=dt.date(2026, 10, 8),
            load_id=7,
        )
        c9 = attribution_row(
            "c9",
            NY,
            POOL_NY[0],
            "2026-10-08 10:20",
            kind="pool",
            status="matched",
            caller_key="k_frank",
            first_time=True,
            session_id="s23",
            visitor_id="v_s23",
            pool_id="pool_web",
            channel="Direct",
        )
        add_attribution(con, "call_attribution", [c9 | {"attributed_at": ts("2026-10-12 00:00")}])
        # a late beacon leaves c2 (ten days old) with two candidates: re-attributed as
        # ambiguous, it has no session and so no touches any more
        con.execute(
            """update attribution.call_attribution
               set attribution_status = 'ambiguous', candidate_count = 2, session_id = null,
                   visitor_id = null, attributed_at = ?
               where call_id = 'c2'""",
            [ts("2026-10-12 00:00")],
        )
        con.execute("delete from attribution.touches where call_id = 'c2'")
        # as the engine does, s1, which lost c2, gets the run's computed_at
        con.execute(
            "update attribution.sessions set computed_at = ? where session_id = 's1'",
            [ts("2026-10-12 00:00")],
        )
    # the run's instant (the engine's computed_at)
    computed_at = ts("2026-10-11 00:00") if step == 1 else ts("2026-10-12 00:00")
    add_attribution(
        con, "sessions", [session | {"computed_at": computed_at} for session, _ in rows]
    )
    add_attribution(
        con,
        "number_assignments",
        [assignment | {"computed_at": computed_at} for _, assignment in rows],
    )


def load_later_call_of_alice(
    con: duckdb.DuckDBPyConnection, call_id: str, start: str, load_id: int
) -> None:
    """After the pool days: a late call of k_alice, later than her calls so far and still
    before cv2 (2026-10-05 10:00), arrives; cv2 moves to it."""
    _static_call(con, call_id, start, "k_alice", load_id, attributed_at=ts("2026-10-13 00:00"))


def remove_latest_pool_session(con: duckdb.DuckDBPyConnection) -> None:
    """After the pool days: attribution removes s23, the pool's latest hold (its beacons
    erased), as the engine records it."""
    for table in ("sessions", "number_assignments"):
        con.execute(f"delete from attribution.{table} where session_id = 's23'")
    add_attribution(
        con,
        "deleted_sessions",
        [
            {
                "account_id": NY,
                "session_id": "s23",
                "started_at": ts("2026-10-08 10:00"),
                "deleted_at": ts("2026-10-13 00:00"),
            }
        ],
    )


def load_pool_session_after_removal(con: duckdb.DuckDBPyConnection) -> None:
    """A later pool session (s29, 2026-10-09), written by the attribution run after
    `remove_latest_pool_session`."""
    session, assignment = _pool_session("s29", "2026-10-09 12:00", "2026-10-09 12:30", POOL_NY[0])
    computed_at = ts("2026-10-14 00:00")
    add_attribution(con, "sessions", [session | {"computed_at": computed_at}])
    add_attribution(con, "number_assignments", [assignment | {"computed_at": computed_at}])


def build(path: Path, *, late_day: bool = False, pool_days: bool = False) -> Path:
    """Create the fixture warehouse at `path` (closed when this returns: dbt needs the lock)."""
    con = connect(path)
    try:
        create_tables(con)
        load_base(con)
        if late_day:
            load_late_day(con)
        if pool_days:
            load_pool_days(con, 1)
            load_pool_days(con, 2)
    finally:
        con.close()
    return path
