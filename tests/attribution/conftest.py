"""Fixtures of the attribution tests: a warehouse with raw tables built from the contract.

The raw tables and `*_current` views are ingestion's own (`ingest.load.ensure_tables`); rows
are appended as numbered loads, all on one arrival day (so every reference row is current).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime

import duckdb
import pyarrow as pa
import pytest

from ingest.contract import feed
from ingest.load import ensure_tables as ensure_raw_tables

META = pa.schema(
    [
        pa.field("_file_key", pa.string()),
        pa.field("_row_number", pa.int64()),
        pa.field("_arrival_date", pa.date32()),
        pa.field("_loaded_at", pa.timestamp("us", tz="UTC")),
        pa.field("_load_id", pa.int64()),
    ]
)
SECRET = "test-secret"


def _schema(name: str) -> pa.Schema:
    s = feed(name).schema
    for f in META:
        s = s.append(f)
    return s


class RawBuilder:
    """Creates the raw tables and appends rows as numbered loads."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._load_ids = itertools.count(1)
        self._event_ids = itertools.count(1)
        # The real raw tables and current-state views of ingestion (docs/architecture.md).
        ensure_raw_tables(con)

    def load(self, name: str, rows: list[dict], load_id: int | None = None) -> int:
        """Append `rows` (contract fields; missing ones null) as one load; returns its id."""
        load_id = next(self._load_ids) if load_id is None else load_id
        f = feed(name)
        full = []
        for i, r in enumerate(rows):
            row = {k: None for k in f.field_names}
            row.update({"schema_version": 1})
            if f.kind == "event":
                row["event_id"] = f"e{next(self._event_ids)}"
            row.update(r)
            row.update(
                {
                    "_file_key": f"{name}/dt=2026-10-01/load{load_id}.parquet",
                    "_row_number": i,
                    "_arrival_date": date(2026, 10, 1),
                    "_loaded_at": datetime(2026, 10, 1, tzinfo=UTC),
                    "_load_id": load_id,
                }
            )
            full.append(row)
        batch = pa.Table.from_pylist(full, schema=_schema(name))  # noqa: F841
        self.con.execute(f"insert into raw.{name} select * from batch")
        return load_id


T0 = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
POOL = "+15550000001"
POOL2 = "+15550000002"
STATIC = "+15550000100"
DEFAULT = "+15550000900"
FAR_PAST = datetime(2020, 1, 1, tzinfo=UTC)


class World:
    """Row constructors for readable scenarios (account "A", a pool of two numbers, one static
    and one default number unless a test loads its own reference rows)."""

    def __init__(self, raw: RawBuilder) -> None:
        self.raw = raw
        self._calls: dict[str, int] = {}

    def reference(self, timezone: str = "America/New_York", **account: object) -> None:
        self.raw.load(
            "accounts",
            [
                {
                    "account_id": "A",
                    "name": "Acme",
                    "timezone": timezone,
                    "currency": "USD",
                    **account,
                }
            ],
        )
        self.raw.load(
            "tracking_numbers",
            [
                self.number(POOL, "pool", pool_id="P"),
                self.number(POOL2, "pool", pool_id="P"),
                self.number(
                    STATIC,
                    "static",
                    channel="Billboard",
                    source="lamar",
                    medium="ooh",
                    campaign="fall",
                ),
                self.number(DEFAULT, "default", pool_id="P"),
            ],
        )

    @staticmethod
    def number(tn: str, kind: str, valid_from: datetime = FAR_PAST, **kw: object) -> dict:
        return {
            "account_id": "A",
            "tracking_number": tn,
            "number_kind": kind,
            "valid_from": valid_from,
            **kw,
        }

    @staticmethod
    def start(session: str, at: datetime, visitor: str | None = None, **kw: object) -> dict:
        return {
            "account_id": "A",
            "event_type": "session.started",
            "occurred_at": at,
            "session_id": session,
            "visitor_id": visitor or f"v-{session}",
            "page_url": "https://acme.example/?x=1",
            **kw,
        }

    @staticmethod
    def beacon(
        session: str,
        at: datetime,
        visitor: str | None = None,
        kind: str = "session.heartbeat",
        **kw: object,
    ) -> dict:
        return {
            "account_id": "A",
            "event_type": kind,
            "occurred_at": at,
            "session_id": session,
            "visitor_id": visitor or f"v-{session}",
            **kw,
        }

    @staticmethod
    def assign(
        session: str, at: datetime, number: str = POOL, visitor: str | None = None, **kw: object
    ) -> dict:
        return {
            "account_id": "A",
            "event_type": "number.assigned",
            "occurred_at": at,
            "session_id": session,
            "visitor_id": visitor or f"v-{session}",
            "tracking_number": number,
            "pool_id": "P",
            **kw,
        }

    @staticmethod
    def call(
        call_id: str,
        at: datetime,
        number: str = POOL,
        caller: str | None = "+15551230000",
        **kw: object,
    ) -> dict:
        return {
            "account_id": "A",
            "event_type": "call.started",
            "occurred_at": at,
            "call_id": call_id,
            "tracking_number": number,
            "caller_number": caller,
            "destination_number": "+15559990000",
            **kw,
        }


@pytest.fixture
def world(raw: RawBuilder) -> World:
    return World(raw)


@pytest.fixture
def raw_con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    yield con
    con.close()


@pytest.fixture
def raw(raw_con: duckdb.DuckDBPyConnection) -> RawBuilder:
    return RawBuilder(raw_con)
