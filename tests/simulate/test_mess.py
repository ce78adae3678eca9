"""Injected mess is exactly what messy.json says, checked from the files with an independent
row checker (so a generator bug that breaks a row by accident fails here too)."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ingest import contract
from ingest.simulate import MessRates, read_truth, simulate

pytestmark = pytest.mark.xdist_group("simulate")

E164 = re.compile(contract.E164_PATTERN)
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2090, 1, 1, tzinfo=dt.UTC)
REQUIRED_WHEN = {
    # contract.required_when conditions, as Python (the contract writes them as SQL)
    "value is not null": lambda r: r.get("value") is not None,
    "platform in ('google_ads', 'microsoft_ads')": lambda r: (
        r.get("platform") in ("google_ads", "microsoft_ads")
    ),
    "platform = 'meta_ads'": lambda r: r.get("platform") == "meta_ads",
    "number_kind = 'pool'": lambda r: r.get("number_kind") == "pool",
}


def violations(feed: contract.Feed, row: dict) -> list[str]:
    """Every contract rule the row breaks, as quarantine reason codes."""
    out = []
    etype = row.get("event_type")
    if feed.event_types and etype not in feed.event_types:
        out.append("unknown_event_type")
    if row["schema_version"] != contract.SCHEMA_VERSION:
        out.append("unsupported_schema_version")
    required = feed.required_fields(etype if etype in feed.event_types else None)
    required += [f for f, cond in feed.required_when if REQUIRED_WHEN[cond](row)]
    if any(row.get(f) is None for f in required):
        out.append("missing_required_field")
    if any(row.get(f) is not None and not E164.match(row[f]) for f in feed.e164_fields):
        out.append("invalid_e164")
    for f in feed.fields:
        v = row.get(f.name)
        if f.type == contract.INSTANT and v is not None and not EARLIEST <= v < LATEST:
            out.append("timestamp_out_of_range")
    enums = {k: v for k, v in feed.enums.items() if k != "event_type"}
    if any(row.get(k) is not None and str(row[k]) not in v for k, v in enums.items()):
        out.append("invalid_enum")
    if ".." in (row.get("recording_uri") or "").split("/"):
        out.append("invalid_path")
    talk, dur = row.get("talk_seconds"), row.get("duration_seconds")
    if talk is not None and dur is not None and (talk > dur or talk < 0):
        out.append("invalid_value")
    return out


def read_feed(landing: Path, feed: str, corrupt: str | None) -> list[dict]:
    out = []
    for path in sorted(landing.glob(f"{feed}/dt=*/*.parquet")):
        key = path.relative_to(landing).as_posix()
        if key == corrupt:
            continue
        arrival = dt.date.fromisoformat(key.split("/")[1][3:])
        for r in pq.read_table(path).to_pylist():
            r["_dt"] = arrival
            out.append(r)
    return out


@pytest.fixture(scope="module")
def feeds(small_landing: Path, simulation_truth) -> dict[str, list[dict]]:
    corrupt = simulation_truth.messy["corrupt_file"]["key"]
    return {f: read_feed(small_landing, f, corrupt) for f in contract.FEEDS}


def test_contract_breaking_rows_exactly_as_recorded(feeds, simulation_truth) -> None:
    expected = simulation_truth.messy["contract_breaking"]
    for name, rows in feeds.items():
        feed = contract.feed(name)
        found: dict[str, int] = {}
        for r in rows:
            v = violations(feed, r)
            assert len(v) <= 1, (name, v, r)  # one breakage per row: the code is unambiguous
            for code in v:
                found[code] = found.get(code, 0) + 1
        assert found == expected.get(name, {}), name
    kinds = {c for codes in expected.values() for c in codes}
    # every kind of breakage of the issue is there, each with a contract reason code
    assert kinds >= {
        "unknown_event_type",
        "unsupported_schema_version",
        "missing_required_field",
        "invalid_e164",
        "timestamp_out_of_range",
        "invalid_enum",
        "invalid_path",
    }
    assert kinds <= set(contract.QUARANTINE_REASONS)


def test_duplicates_exactly_as_recorded(feeds, simulation_truth) -> None:
    messy = simulation_truth.messy
    for name in ("call_events", "dni_beacons", "conversions"):
        by_id: dict[str, list[dict]] = {}
        for r in feeds[name]:
            by_id.setdefault(r["event_id"], []).append(r)
        natural = conflicting = 0
        for copies in by_id.values():
            payloads = [tuple(sorted((k, v) for k, v in r.items() if k != "_dt")) for r in copies]
            first = payloads[0]
            natural += sum(1 for p in payloads[1:] if p == first)
            conflicting += sum(1 for p in payloads[1:] if p != first)
            # a conflicting copy always arrives after its original
            others = [r["_dt"] for r, p in zip(copies, payloads, strict=True) if p != first]
            assert not others or min(others) > copies[0]["_dt"]
        assert natural == messy["natural_duplicates"][name], name
        assert conflicting == messy["conflicting_duplicates"][name], name
        assert messy["expected_quarantine"][name].get("conflicting_duplicate", 0) == conflicting


def test_event_ids_unique_across_feeds_apart_from_injected_duplicates(
    feeds, simulation_truth
) -> None:
    messy = simulation_truth.messy
    ids = [r["event_id"] for f in ("call_events", "dni_beacons", "conversions") for r in feeds[f]]
    injected = sum(messy["natural_duplicates"].values()) + sum(
        messy["conflicting_duplicates"].values()
    )
    assert len(ids) - len(set(ids)) == injected


def test_late_events_exactly_as_recorded(feeds, simulation_truth) -> None:
    for name in ("call_events", "dni_beacons", "conversions"):
        feed = contract.feed(name)
        first_arrival: dict[str, dict] = {}
        for r in sorted(feeds[name], key=lambda r: r["_dt"]):
            if not violations(feed, r):
                first_arrival.setdefault(r["event_id"], r)
        late = sum(1 for r in first_arrival.values() if r["_dt"] > r["occurred_at"].date())
        assert late == simulation_truth.messy["late_events"][name], name
        assert late > 0


def test_mess_rates_as_configured(tmp_path: Path) -> None:
    rates = MessRates(duplicate_rate=0.05, conflict_rate=0.02, late_rate=0.1, bad_row_rate=0.002)
    summary = simulate(tmp_path, days=2, scale="small", mess=rates, recordings=False)
    messy = read_truth(tmp_path).messy
    # real rows = what the simulator generated before mess (beacons + calls' events + ...)
    real = summary.beacons
    for kind, rate in (
        ("natural_duplicates", rates.duplicate_rate),
        ("conflicting_duplicates", rates.conflict_rate),
        ("late_events", rates.late_rate),
    ):
        got = messy[kind]["dni_beacons"]
        sigma = math.sqrt(real * rate * (1 - rate))
        assert abs(got - real * rate) < 4 * sigma + 1, (kind, got, real * rate)
