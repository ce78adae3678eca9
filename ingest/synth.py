"""Synthetic, contract-valid rows for ingestion tests and the ingestion benchmark.

Not the simulator (`ingest.simulate` builds a coherent business); this builds rows of one feed
fast and vectorized (numpy → Arrow), so tests can write exactly the files they need and the
benchmark can write 10M beacons in seconds. Every value is valid unless a caller breaks it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ingest.contract import (
    BEACON_EVENT_TYPES,
    CALL_EVENT_TYPES,
    FEEDS,
    INSTANT,
    SCHEMA_VERSION,
)


def _ids(prefix: str, ids: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pa.array(ids.astype(np.int64)).cast(pa.string()), "")


def _numbers(ids: np.ndarray, base: int = 15551000000) -> pa.Array:
    return pc.binary_join_element_wise(
        "+", pa.array((base + ids % 900000).astype(np.int64)).cast(pa.string()), ""
    )


def _instants(day: dt.date, n: int, rng: np.random.Generator) -> pa.Array:
    start = np.datetime64(day.isoformat(), "us").astype(np.int64)
    offsets = rng.integers(0, 86_400_000_000, n)
    return pa.array(start + offsets, type=pa.int64()).cast(INSTANT)


def beacons(first_id: int, n: int, day: dt.date, seed: int = 0) -> pa.Table:
    """`n` valid dni_beacons with event ids `b{first_id}`.. (unique across calls)."""
    rng = np.random.default_rng(seed)
    ids = np.arange(first_id, first_id + n)
    sessions = ids // 5
    etype = np.array(BEACON_EVENT_TYPES)[ids % 4]
    is_assigned = etype == "number.assigned"
    is_page = (etype == "session.started") | (etype == "page.viewed")
    cols = {
        "account_id": pa.array(np.array(["acct_1", "acct_2"])[ids % 2]),
        "schema_version": pa.array(np.full(n, SCHEMA_VERSION, dtype=np.int32)),
        "event_id": _ids("b", ids),
        "event_type": pa.array(etype),
        "occurred_at": _instants(day, n, rng),
        "visitor_id": _ids("v", sessions // 3),
        "session_id": _ids("s", sessions),
        "page_url": pc.if_else(
            pa.array(is_page), _ids("https://example.com/p?utm_term=k", ids % 50), None
        ),
        "referrer": pa.array(np.where(ids % 3 == 0, "https://www.google.com/", None)),
        "utm_source": pa.array(np.where(ids % 4 == 0, "google", None)),
        "utm_medium": pa.array(np.where(ids % 4 == 0, "cpc", None)),
        "utm_campaign": pa.array(np.where(ids % 4 == 0, "spring", None)),
        "utm_term": pc.if_else(pa.array(ids % 4 == 0), _ids("kw", ids % 50), None),
        "utm_content": pa.nulls(n, pa.string()),
        "gclid": pc.if_else(pa.array(ids % 8 == 0), _ids("g", ids), None),
        "msclkid": pa.nulls(n, pa.string()),
        "fbclid": pa.nulls(n, pa.string()),
        "tracking_number": pc.if_else(pa.array(is_assigned), _numbers(ids % 20), None),
        "pool_id": pa.array(np.where(is_assigned, "pool_1", None)),
        "user_agent": pa.array(np.full(n, "Mozilla/5.0")),
        "ip_address": pc.binary_join_element_wise(
            "10.0.0.", pa.array(ids % 250).cast(pa.string()), ""
        ),
    }
    return pa.table(cols, schema=FEEDS["dni_beacons"].schema)


def call_events(first_id: int, n: int, day: dt.date, seed: int = 0) -> pa.Table:
    """`n` valid call_events (event ids `c{first_id}`..)."""
    rng = np.random.default_rng(seed)
    ids = np.arange(first_id, first_id + n)
    etype = np.array(CALL_EVENT_TYPES)[ids % 4]
    started = etype == "call.started"
    ended = etype == "call.ended"
    rec = etype == "call.recording_ready"
    duration = (ids % 300).astype(np.int64)
    cols = {
        "account_id": pa.array(np.full(n, "acct_1")),
        "schema_version": pa.array(np.full(n, SCHEMA_VERSION, dtype=np.int32)),
        "event_id": _ids("c", ids),
        "event_type": pa.array(etype),
        "occurred_at": _instants(day, n, rng),
        "call_id": _ids("call", ids // 4),
        "tracking_number": _numbers(ids % 20),
        "caller_number": pc.if_else(pa.array(started), _numbers(ids, 12125550000), None),
        "caller_city": pa.array(np.where(started, "Springfield", None)),
        "caller_region": pa.array(np.where(started, "IL", None)),
        "caller_postal_code": pa.array(np.where(started, "62701", None)),
        "caller_country": pa.array(np.where(started, "US", None)),
        "destination_number": pc.if_else(pa.array(started), _numbers(ids % 3, 13125550000), None),
        "end_status": pa.array(np.where(ended, "completed", None)),
        "duration_seconds": pa.array(np.where(ended, duration, None)),
        "talk_seconds": pa.array(np.where(ended, duration // 2, None)),
        "recording_uri": pc.if_else(pa.array(rec), _ids("recordings/call", ids // 4), None),
        "recording_channels": pa.array(np.where(rec, 2, None)),
    }
    return pa.table(cols, schema=FEEDS["call_events"].schema)


def write(table: pa.Table, root: Path, feed: str, day: dt.date | str, name: str) -> Path:
    """Write `table` to `{root}/{feed}/dt={day}/{name}.parquet` and return the path."""
    day = day.isoformat() if isinstance(day, dt.date) else day
    path = Path(root) / feed / f"dt={day}" / f"{name}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path
