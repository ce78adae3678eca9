"""Fuzz: hypothesis generates malformed dni_beacons rows (nulls, garbage text, wrong types,
out-of-range times, duplicates); loading must never crash, the invariant must hold and every
rejected row must carry a known reason. At least 10,000 rows across the examples."""

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import synth
from ingest.contract import BEACON_EVENT_TYPES, FEEDS, QUARANTINE_REASONS
from ingest.load import invariant_violations, load_landing

DAY = dt.date(2026, 10, 1)
ROWS_PER_EXAMPLE = 420
EXAMPLES = 26  # 26 x 420 = 10,920 rows

garbage = st.text(max_size=12)
maybe_text = st.one_of(st.none(), garbage, st.sampled_from(["x", "acct_1", "s1", "v1"]))
numbers = st.one_of(
    st.none(), garbage, st.sampled_from(["+15551001001", "+0555", "15551001001", "+1555 100"])
)
instants = st.one_of(
    st.none(),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)),
    st.datetimes(min_value=dt.datetime(2026, 9, 1), max_value=dt.datetime(2026, 10, 2)),
)


@st.composite
def beacon_rows(draw: st.DrawFn) -> dict:
    return {
        "account_id": draw(maybe_text),
        "schema_version": draw(st.one_of(st.none(), st.sampled_from([1, 1, 1, 0, 2, -1]))),
        "event_id": draw(st.one_of(st.none(), st.sampled_from(["e1", "e2", "e3"]), garbage)),
        "event_type": draw(st.one_of(st.none(), st.sampled_from(BEACON_EVENT_TYPES), garbage)),
        "occurred_at": draw(instants),
        "visitor_id": draw(maybe_text),
        "session_id": draw(maybe_text),
        "page_url": draw(maybe_text),
        "tracking_number": draw(numbers),
        "pool_id": draw(maybe_text),
        "ip_address": draw(maybe_text),
    }


@st.composite
def files(draw: st.DrawFn) -> tuple[list[dict], bool, bool]:
    rows = draw(st.lists(beacon_rows(), min_size=10, max_size=30))
    # whole columns in a wrong type: text where an int / an instant belongs
    return rows, draw(st.booleans()), draw(st.booleans())


def _table(rows: list[dict], version_as_text: bool, time_as_text: bool) -> pa.Table:
    out = []
    for i in range(ROWS_PER_EXAMPLE):
        r = dict(rows[i % len(rows)])
        # copies: some keep their event id (duplicates or conflicts), others get a fresh one
        if r["event_id"] is not None and (i // len(rows)) % 3:
            r["event_id"] = f"{r['event_id']}-{i}"
        out.append(r)
    schema = FEEDS["dni_beacons"].schema
    fields = [schema.field(n) for n in out[0]]
    table = pa.Table.from_pylist(out, schema=pa.schema(fields))
    if version_as_text:
        col = [
            None if v is None else (str(v) if v != 2 else "two")
            for v in table.column("schema_version").to_pylist()
        ]
        table = table.set_column(1, "schema_version", pa.array(col, pa.string()))
    if time_as_text:
        col = [
            None if v is None else v.isoformat() for v in table.column("occurred_at").to_pylist()
        ]
        col = [c if i % 5 else "not a time" for i, c in enumerate(col)]
        table = table.set_column(4, "occurred_at", pa.array(col, pa.string()))
    return table


def test_fuzzed_beacons_never_crash_and_account_for_every_row(tmp_path: Path) -> None:
    totals = {"rows": 0, "quarantined": 0, "examples": 0}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(files())
    def check(example: tuple[list[dict], bool, bool]) -> None:
        rows, version_as_text, time_as_text = example
        n = totals["examples"]
        totals["examples"] += 1
        root = tmp_path / f"l{n}"
        synth.write(_table(rows, version_as_text, time_as_text), root, "dni_beacons", DAY, "f")
        con = duckdb.connect()
        report = load_landing(con, root)
        assert report.rows_read == ROWS_PER_EXAMPLE
        assert report.rows_read == (
            report.rows_accepted + report.rows_quarantined + report.rows_duplicate
        )
        assert invariant_violations(con) == []
        bad = con.execute(
            "select count(*) filter (where reason_code is null or reason_detail is null "
            "or original_json is null), list(distinct reason_code) from quarantine.dni_beacons"
        ).fetchone()
        assert bad[0] == 0
        assert set(bad[1] or []) <= set(QUARANTINE_REASONS)
        # what was accepted is valid: known types, required fields, E.164, one row per id
        accepted = con.execute(
            """select count(*) filter (where event_type not in ('session.started',
                 'page.viewed', 'number.assigned', 'session.heartbeat')
                 or event_id is null or account_id is null or schema_version <> 1
                 or occurred_at < '2000-01-01'
                 or (event_type = 'number.assigned' and tracking_number is null)
                 or (tracking_number is not null
                     and not regexp_full_match(tracking_number, '^\\+[1-9][0-9]{6,14}$'))),
               count(*) - count(distinct event_id)
               from raw.dni_beacons"""
        ).fetchone()
        assert accepted == (0, 0)
        totals["rows"] += report.rows_read
        totals["quarantined"] += report.rows_quarantined
        con.close()

    check()
    assert totals["rows"] >= 10_000
    assert totals["quarantined"] > 0
