"""Messy data on purpose: duplicates, late arrival, contract-breaking rows, a corrupt file.

Every injected row is counted by kind (and, for rows the loader must reject, by the quarantine
reason code of `contract.QUARANTINE_REASONS` it should get), so ingestion tests can check their
counts exactly. Mess never changes the truth: bad rows and duplicates are *extra* rows (a bad row
gets a fresh event_id; a conflicting duplicate arrives after its original), and the corrupt file
only holds copies of rows that are also delivered intact.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingest import contract
from ingest.simulate.writer import ARRIVAL

UTC = dt.UTC


@dataclass(frozen=True)
class MessRates:
    """Rates of injected mess, as shares of each event feed's rows (per day, binomial)."""

    duplicate_rate: float = 0.01  # same event_id and payload, same or later arrival
    conflict_rate: float = 0.002  # same event_id, different payload, later arrival
    late_rate: float = 0.03  # delivered 1-3 days after the day it happened
    bad_row_rate: float = 0.0005  # contract-breaking rows, per kind of breakage
    corrupt_file: bool = True  # exactly one truncated Parquet file

    def __post_init__(self) -> None:
        for name in ("duplicate_rate", "conflict_rate", "late_rate", "bad_row_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 0.5:
                raise ValueError(f"{name} must be within [0, 0.5], got {value}")

    @classmethod
    def clean(cls) -> MessRates:
        """No mess at all: every row valid, unique and on time."""
        return cls(0.0, 0.0, 0.0, 0.0, False)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


EVENT_FEEDS = ("call_events", "dni_beacons", "conversions")

Row = dict[str, Any]
# (reason code, event type of the row to start from or None for any, mutation)
BadKind = tuple[str, str | None, Callable[[Row, np.random.Generator], None]]

PAST = dt.datetime(1999, 12, 31, 23, 59, tzinfo=UTC)
FUTURE = dt.datetime(2099, 1, 1, tzinfo=UTC)


def _set(**values: Any) -> Callable[[Row, np.random.Generator], None]:
    def mutate(row: Row, rng: np.random.Generator) -> None:
        row.update(values)

    return mutate


def _bad_time(row: Row, rng: np.random.Generator) -> None:
    row["occurred_at"] = PAST if rng.random() < 0.5 else FUTURE


def _talk_over_duration(row: Row, rng: np.random.Generator) -> None:
    row["talk_seconds"] = int(row["duration_seconds"] or 0) + 60


def _traversal(row: Row, rng: np.random.Generator) -> None:
    row.update(
        event_type="call.recording_ready",
        end_status=None,
        duration_seconds=None,
        talk_seconds=None,
        recording_uri="recordings/../../../etc/passwd",
        recording_channels=1,
    )


def _value_without_currency(row: Row, rng: np.random.Generator) -> None:
    row["value"] = row["value"] if row["value"] is not None else Decimal("99.00")
    row["currency"] = None


# One violation per row, so the expected reason code is unambiguous.
BAD_KINDS: dict[str, tuple[BadKind, ...]] = {
    "call_events": (
        ("unknown_event_type", "call.started", _set(event_type="call.transferred")),
        ("unsupported_schema_version", None, _set(schema_version=2)),
        ("missing_required_field", "call.started", _set(tracking_number=None)),
        ("invalid_e164", "call.started", _set(caller_number="(555) 010-0199")),
        ("timestamp_out_of_range", None, _bad_time),
        ("invalid_enum", "call.ended", _set(end_status="hung_up")),
        ("invalid_value", "call.ended", _talk_over_duration),
        ("invalid_path", "call.ended", _traversal),
    ),
    "dni_beacons": (
        ("unknown_event_type", "page.viewed", _set(event_type="session.pinged")),
        ("unsupported_schema_version", None, _set(schema_version=0)),
        ("missing_required_field", "page.viewed", _set(session_id=None)),
        ("invalid_e164", "number.assigned", _set(tracking_number="555-100-1001")),
        ("timestamp_out_of_range", None, _bad_time),
    ),
    "conversions": (
        ("invalid_enum", None, _set(conversion_type="refund")),
        ("missing_required_field", None, _value_without_currency),
        ("unsupported_schema_version", None, _set(schema_version=99)),
        ("timestamp_out_of_range", None, _bad_time),
    ),
}

AD_SPEND_BAD_KINDS: tuple[BadKind, ...] = (
    ("invalid_enum", "google_ads", _set(match_type="fuzzy")),
    ("missing_required_field", "google_ads", _set(cost_micros=None)),
)


class MessInjector:
    """Applies MessRates to each day's tables and keeps the exact counts for messy.json."""

    def __init__(self, rates: MessRates, rng: np.random.Generator) -> None:
        self.rates = rates
        self.rng = rng
        self.natural: dict[str, int] = defaultdict(int)
        self.conflicting: dict[str, int] = defaultdict(int)
        self.late: dict[str, int] = defaultdict(int)
        self.bad: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.corrupt: dict[str, Any] | None = None
        self._bad_seq = 0
        self._first_day_done: set[str] = set()

    def _count(self, n: int, rate: float, at_least_one: bool) -> int:
        if rate <= 0 or n == 0:
            return 0
        k = int(self.rng.binomial(n, rate))
        return max(k, 1) if at_least_one else k

    def apply(self, feed: str, table: pa.Table, day: int) -> pa.Table:
        """Mess up one day's rows of an event feed; returns the table to write."""
        n = table.num_rows
        if n == 0:
            return table
        first = feed not in self._first_day_done
        self._first_day_done.add(feed)
        r = self.rates
        k_late = self._count(n, r.late_rate, first)
        k_dup = self._count(n, r.duplicate_rate, first)
        k_conf = self._count(n, r.conflict_rate, first)
        total = min(n, k_late + k_dup + k_conf)
        picks = self.rng.choice(n, size=total, replace=False) if total else np.array([], int)
        late_idx = np.sort(picks[:k_late])
        dup_idx = np.sort(picks[k_late : k_late + k_dup])
        conf_idx = np.sort(picks[k_late + k_dup : total])

        arrival = table[ARRIVAL].to_numpy().copy()
        if len(late_idx):
            arrival[late_idx] += self.rng.integers(1, 4, len(late_idx))
            self.late[feed] += len(late_idx)
        table = table.set_column(
            table.schema.get_field_index(ARRIVAL), ARRIVAL, pa.array(arrival, pa.int32())
        )
        parts = [table]
        if len(dup_idx):
            dups = table.take(pa.array(dup_idx))
            later = self.rng.random(len(dup_idx)) < 0.5
            shift = np.where(later, self.rng.integers(1, 3, len(dup_idx)), 0)
            dups = dups.set_column(
                dups.schema.get_field_index(ARRIVAL),
                ARRIVAL,
                pa.array(arrival[dup_idx] + shift, pa.int32()),
            )
            parts.append(dups)
            self.natural[feed] += len(dup_idx)
        if len(conf_idx):
            conf = table.take(pa.array(conf_idx))
            # a retried webhook with a different clock reading: same id, another payload
            shift_us = self.rng.integers(1, 60, len(conf_idx)) * 1_000_000
            occurred = pc.cast(conf["occurred_at"], pa.int64()).to_numpy() + shift_us
            conf = conf.set_column(
                conf.schema.get_field_index("occurred_at"),
                "occurred_at",
                pa.array(occurred, pa.int64()).cast(contract.INSTANT),
            )
            conf = conf.set_column(
                conf.schema.get_field_index(ARRIVAL),
                ARRIVAL,
                pa.array(arrival[conf_idx] + self.rng.integers(1, 4, len(conf_idx)), pa.int32()),
            )
            parts.append(conf)
            self.conflicting[feed] += len(conf_idx)
            self.bad[feed]["conflicting_duplicate"] += len(conf_idx)
        bad = self._bad_rows(feed, table, BAD_KINDS[feed], day, first)
        if bad is not None:
            parts.append(bad)
        return pa.concat_tables(parts)

    def bad_ad_spend(self, table: pa.Table) -> pa.Table:
        """Contract-breaking ad_spend rows (fresh keyword ids, so they never restate real rows)."""
        bad = self._bad_rows("ad_spend", table, AD_SPEND_BAD_KINDS, 0, True, type_col="platform")
        return table if bad is None else pa.concat_tables([table, bad])

    def _bad_rows(
        self,
        feed: str,
        table: pa.Table,
        kinds: tuple[BadKind, ...],
        day: int,
        first: bool,
        type_col: str = "event_type",
    ) -> pa.Table | None:
        rows: list[Row] = []
        for code, etype, mutate in kinds:
            k = self._count(table.num_rows, self.rates.bad_row_rate, first)
            if k == 0:
                continue
            if etype:
                match = pc.fill_null(pc.equal(table[type_col], etype), False)
                candidates = np.flatnonzero(match.to_numpy(zero_copy_only=False))
            else:
                candidates = np.arange(table.num_rows)
            if len(candidates) == 0:
                continue
            for i in self.rng.choice(candidates, size=k, replace=True):
                row = table.slice(int(i), 1).to_pylist()[0]
                mutate(row, self.rng)
                self._bad_seq += 1
                if "event_id" in row:
                    row["event_id"] = f"bad-{feed}-{day}-{self._bad_seq:06d}"
                else:
                    row["keyword_id"] = f"kw-bad-{self._bad_seq:06d}"
                rows.append(row)
                self.bad[feed][code] += 1
        if not rows:
            return None
        return pa.Table.from_pylist(rows, schema=table.schema)

    def corrupt_file(self, feed: str, key: str, rows: int) -> None:
        self.corrupt = {"feed": feed, "key": key, "rows": rows, "reason_code": "corrupt_file"}

    def report(self) -> dict[str, Any]:
        feeds = list(EVENT_FEEDS) + ["ad_spend"]
        quarantine = {f: dict(sorted(self.bad[f].items())) for f in feeds if self.bad.get(f)}
        breaking = {
            f: {c: n for c, n in codes.items() if c != "conflicting_duplicate"}
            for f, codes in quarantine.items()
        }
        for code in (c for codes in quarantine.values() for c in codes):
            assert code in contract.QUARANTINE_REASONS, code
        return {
            "rates": self.rates.as_dict(),
            "natural_duplicates": {f: self.natural.get(f, 0) for f in EVENT_FEEDS},
            "conflicting_duplicates": {f: self.conflicting.get(f, 0) for f in EVENT_FEEDS},
            "late_events": {f: self.late.get(f, 0) for f in EVENT_FEEDS},
            "contract_breaking": breaking,
            "expected_quarantine": quarantine,
            "corrupt_file": self.corrupt,
        }
