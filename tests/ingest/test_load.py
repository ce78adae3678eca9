"""Loading a local landing zone: exactly once, dedupe, quarantine, drift, changed and corrupt
files, restatements and snapshots. Real DuckDB files on disk, small generated Parquet files."""

import datetime as dt
import logging
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest import synth
from ingest.contract import FEEDS
from ingest.load import changed_files, invariant_violations, load_landing, table_hashes

D1, D2, D3 = dt.date(2026, 10, 1), dt.date(2026, 10, 2), dt.date(2026, 10, 3)


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    return con.execute(sql, params or []).fetchone()[0]


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    synth.write(synth.beacons(0, 500, D1), root, "dni_beacons", D1, "a")
    synth.write(synth.beacons(500, 500, D1), root, "dni_beacons", D1, "b")
    synth.write(synth.beacons(1000, 300, D2), root, "dni_beacons", D2, "a")
    synth.write(synth.call_events(0, 200, D1), root, "call_events", D1, "a")
    synth.write(synth.call_events(200, 200, D2), root, "call_events", D2, "a")
    return root


def test_load_and_rerun_change_nothing(landing: Path, tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    first = load_landing(con, landing)
    assert first.rows_read == first.rows_accepted == 1700
    assert _count(con, "select count(*) from raw.dni_beacons") == 1300
    before = table_hashes(con)
    # the whole history, one partition, one file of one feed: all already loaded
    for kwargs in (
        {},
        {"days": ["2026-10-01"]},
        {"feeds": ["call_events"], "days": ["2026-10-02"]},
    ):
        again = load_landing(con, landing, **kwargs)
        assert again.files == [] and again.skipped > 0
    assert table_hashes(con) == before
    assert invariant_violations(con) == []


def test_partition_by_partition_equals_whole_history(landing: Path, tmp_path: Path) -> None:
    whole = duckdb.connect(str(tmp_path / "whole.duckdb"))
    load_landing(whole, landing)
    parts = duckdb.connect(str(tmp_path / "parts.duckdb"))
    for day in ("2026-10-02", "2026-10-01"):  # even out of order
        load_landing(parts, landing, days=[day])
    assert table_hashes(parts, load_ids=False) == table_hashes(whole, load_ids=False)


def test_metadata_columns(landing: Path, tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_landing(con, landing)
    cols = [r[0] for r in con.execute("describe raw.call_events").fetchall()]
    assert cols == [
        *FEEDS["call_events"].field_names,
        "_file_key",
        "_row_number",
        "_arrival_date",
        "_loaded_at",
        "_load_id",
    ]
    row = con.execute(
        "select _file_key, min(_row_number), max(_row_number), any_value(_arrival_date) "
        "from raw.dni_beacons where _file_key like '%dt=2026-10-01/b.parquet' group by 1"
    ).fetchone()
    assert row == ("dni_beacons/dt=2026-10-01/b.parquet", 0, 499, D1)
    ledger = con.execute(
        "select rows_read, rows_accepted, rows_quarantined, rows_duplicate, length(checksum) "
        "from raw._loaded_files where file_key = 'call_events/dt=2026-10-02/a.parquet'"
    ).fetchone()
    assert ledger == (200, 200, 0, 0, 32)


def test_same_file_twice_under_two_names(landing: Path, tmp_path: Path) -> None:
    src = landing / "dni_beacons" / "dt=2026-10-01" / "a.parquet"
    copy = landing / "dni_beacons" / "dt=2026-10-03" / "a-resent.parquet"
    copy.parent.mkdir()
    copy.write_bytes(src.read_bytes())
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = load_landing(con, landing)
    resent = next(f for f in report.files if f.key.endswith("a-resent.parquet"))
    assert (resent.rows_read, resent.rows_accepted, resent.rows_duplicate) == (500, 0, 500)
    assert _count(con, "select count(*) from raw.dni_beacons") == 1300
    assert _count(con, "select count(distinct event_id) from raw.dni_beacons") == 1300
    assert invariant_violations(con) == []


def test_conflicting_duplicate_keeps_first(landing: Path, tmp_path: Path) -> None:
    t = synth.beacons(0, 3, D1)  # same event ids as the first rows of D1/a.parquet
    t = t.set_column(
        t.schema.get_field_index("user_agent"),
        "user_agent",
        pa.array(["changed", "Mozilla/5.0", "changed"]),
    )
    synth.write(t, landing, "dni_beacons", D3, "replay")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = load_landing(con, landing)
    replay = next(f for f in report.files if f.key.endswith("replay.parquet"))
    assert replay.reasons == {"conflicting_duplicate": 2} and replay.rows_duplicate == 1
    q = con.execute(
        "select reason_code, _row_number, reason_detail, original_json "
        "from quarantine.dni_beacons order by _row_number"
    ).fetchall()
    assert [(r[0], r[1]) for r in q] == [("conflicting_duplicate", 0), ("conflicting_duplicate", 2)]
    assert "dt=2026-10-01/a.parquet" in q[0][2] and '"changed"' in q[0][3]
    kept = con.execute("select user_agent from raw.dni_beacons where event_id = 'b0'").fetchall()
    assert kept == [("Mozilla/5.0",)]


def test_duplicates_and_conflicts_within_one_file(tmp_path: Path) -> None:
    t = synth.beacons(0, 4, D1)
    dup = pa.concat_tables([t, t.slice(0, 1)])  # row 4 repeats row 0 exactly
    other = t.slice(1, 1)
    other = other.set_column(
        other.schema.get_field_index("ip_address"), "ip_address", pa.array(["10.9.9.9"])
    )
    synth.write(pa.concat_tables([dup, other]), tmp_path / "l", "dni_beacons", D1, "x")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    f = load_landing(con, tmp_path / "l").files[0]
    assert (f.rows_read, f.rows_accepted, f.rows_duplicate) == (6, 4, 1)
    assert f.reasons == {"conflicting_duplicate": 1}


def test_late_events_are_accepted_and_kept_once(landing: Path, tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_landing(con, landing)
    # events that happened on Oct 1 arrive on Oct 9, after later days were loaded
    late_day = dt.date(2026, 10, 9)
    synth.write(synth.beacons(5000, 50, D1), landing, "dni_beacons", late_day, "late")
    report = load_landing(con, landing)
    assert [f.rows_accepted for f in report.files] == [50]
    rows = con.execute(
        "select count(*), min(occurred_at)::date, any_value(_arrival_date) from raw.dni_beacons "
        "where _file_key like '%late.parquet'"
    ).fetchone()
    assert rows == (50, D1, late_day)


def test_extra_and_missing_columns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    t = synth.beacons(0, 20, D1).drop_columns(["utm_content", "fbclid"])
    t = t.append_column("browser_language", pa.array(["en"] * 20))
    synth.write(t, tmp_path / "l", "dni_beacons", D1, "drift")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with caplog.at_level(logging.WARNING, logger="ingest.load"):
        report = load_landing(con, tmp_path / "l")
    assert report.rows_accepted == 20
    assert report.extra_columns == {"dni_beacons/dt=2026-10-01/drift.parquet": ["browser_language"]}
    assert "browser_language" in caplog.text
    ledger = con.execute("select extra_columns, missing_columns from raw._loaded_files").fetchone()
    assert ledger == (["browser_language"], ["utm_content", "fbclid"])
    assert _count(con, "select count(*) from raw.dni_beacons where fbclid is null") == 20


def test_changed_checksum_is_flagged_not_reloaded(landing: Path, tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_landing(con, landing)
    before = table_hashes(con)
    # the producer rewrites a file that was already loaded
    synth.write(synth.call_events(0, 150, D1, seed=3), landing, "call_events", D1, "a")
    report = load_landing(con, landing)
    assert [c.key for c in report.changed] == ["call_events/dt=2026-10-01/a.parquet"]
    assert report.files == []
    assert table_hashes(con) == before
    assert [c.key for c in changed_files(con, synth_landing(landing))] == [
        "call_events/dt=2026-10-01/a.parquet"
    ]


def synth_landing(root: Path):  # noqa: ANN201 - tiny helper
    from ingest.landing import LocalLanding

    return LocalLanding(root)


def test_corrupt_and_truncated_files_are_quarantined_whole(landing: Path, tmp_path: Path) -> None:
    good = (landing / "dni_beacons" / "dt=2026-10-01" / "a.parquet").read_bytes()
    bad_dir = landing / "dni_beacons" / "dt=2026-10-02"
    (bad_dir / "truncated.parquet").write_bytes(good[: len(good) // 2])
    (bad_dir / "garbage.parquet").write_bytes(b"not parquet at all")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = load_landing(con, landing)
    assert sorted(report.corrupt_files) == [
        "dni_beacons/dt=2026-10-02/garbage.parquet",
        "dni_beacons/dt=2026-10-02/truncated.parquet",
    ]
    # the good files of the same partition loaded
    assert _count(con, "select count(*) from raw.dni_beacons") == 1300
    q = con.execute(
        "select _file_key, _row_number, reason_detail from quarantine.dni_beacons "
        "where reason_code = 'corrupt_file' order by 1"
    ).fetchall()
    assert [r[0] for r in q] == report.corrupt_files and q[0][1] is None and q[0][2]
    assert _count(con, "select count(*) from raw._loaded_files where status = 'corrupt'") == 2
    assert invariant_violations(con) == []
    # rerun: corrupt files are in the ledger, not retried into duplicate quarantine rows
    assert load_landing(con, landing).files == []


def test_invariant_check_catches_tampering(landing: Path, tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_landing(con, landing)
    con.execute("delete from raw.call_events where event_id = 'c5'")
    problems = invariant_violations(con)
    assert len(problems) == 1 and "call_events/dt=2026-10-01/a.parquet" in problems[0]


def _spend(rows: list[dict]) -> pa.Table:
    base = {
        "account_id": "acct_1",
        "schema_version": 1,
        "platform": "google_ads",
        "ad_account_id": "aa",
        "campaign_id": "c1",
        "campaign_name": "C",
        "ad_group_id": "g1",
        "ad_group_name": "G",
        "keyword_id": "k1",
        "keyword_text": "plumber",
        "match_type": "exact",
        "impressions": 100,
        "clicks": 5,
        "spend": None,
        "currency": "USD",
    }
    return pa.Table.from_pylist([{**base, **r} for r in rows], schema=FEEDS["ad_spend"].schema)


def test_ad_spend_restatement_latest_arrival_wins(tmp_path: Path) -> None:
    root = tmp_path / "l"
    day = dt.date(2026, 9, 30)
    synth.write(_spend([{"date": day, "cost_micros": 1_000_000}]), root, "ad_spend", D1, "g")
    synth.write(_spend([{"date": day, "cost_micros": 2_000_000}]), root, "ad_spend", D2, "g")
    # D3 restates back to the first value: it is a real restatement, not a duplicate
    synth.write(
        _spend([{"date": day, "cost_micros": 1_000_000}, {"date": D1, "cost_micros": 7}]),
        root,
        "ad_spend",
        D3,
        "g",
    )
    # resent D3 file: pure duplicates of what is current
    synth.write(_spend([{"date": day, "cost_micros": 1_000_000}]), root, "ad_spend", D3, "h")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = load_landing(con, root)
    assert (report.rows_accepted, report.rows_duplicate) == (4, 1)
    assert _count(con, "select count(*) from raw.ad_spend") == 4  # history kept
    current = con.execute(
        "select date, cost_micros from raw.ad_spend_current order by date"
    ).fetchall()
    assert current == [(day, 1_000_000), (D1, 7)]


def test_reference_snapshots_and_account_defaults(tmp_path: Path) -> None:
    root = tmp_path / "l"
    schema = FEEDS["accounts"].schema
    old = [
        {
            "account_id": "a1",
            "schema_version": 1,
            "name": "Old",
            "timezone": "UTC",
            "currency": "USD",
            "qualified_call_seconds": 60,
        }
    ]
    new = [
        {
            "account_id": "a1",
            "schema_version": 1,
            "name": "New",
            "timezone": "UTC",
            "currency": "USD",
        },
        {
            "account_id": "a2",
            "schema_version": 1,
            "name": "Two",
            "timezone": "UTC",
            "currency": "EUR",
            "session_timeout_minutes": 45,
        },
    ]
    synth.write(pa.Table.from_pylist(old, schema=schema), root, "accounts", D1, "s")
    synth.write(pa.Table.from_pylist(new, schema=schema), root, "accounts", D2, "s")
    # the same snapshot resent under another name the same day: duplicates, snapshot intact
    synth.write(pa.Table.from_pylist(new, schema=schema), root, "accounts", D2, "t")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = load_landing(con, root)
    assert report.rows_duplicate == 2
    rows = con.execute(
        "select account_id, name, qualified_call_seconds, session_timeout_minutes, "
        "attribution_lookback_days from raw.accounts_current order by 1"
    ).fetchall()
    assert rows == [("a1", "New", 90, 30, 30), ("a2", "Two", 90, 45, 30)]
    assert _count(con, "select count(*) from raw.accounts") == 3
    # the other current views exist (empty feeds give empty views)
    for view in ("tracking_numbers_current", "offline_spend_current", "ad_clicks_current"):
        assert _count(con, f"select count(*) from raw.{view}") == 0


def test_quarantine_rows_carry_reason_and_source(tmp_path: Path) -> None:
    t = synth.beacons(0, 10, D1)
    types = t.column("event_type").to_pylist()
    types[3] = "session.exploded"
    t = t.set_column(t.schema.get_field_index("event_type"), "event_type", pa.array(types))
    synth.write(t, tmp_path / "l", "dni_beacons", D1, "x")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = load_landing(con, tmp_path / "l")
    assert report.reasons == {"unknown_event_type": 1}
    row = con.execute(
        "select reason_code, reason_detail, _file_key, _row_number, _arrival_date, _load_id, "
        "original_json from quarantine.dni_beacons"
    ).fetchone()
    assert row[:5] == ("unknown_event_type", row[1], "dni_beacons/dt=2026-10-01/x.parquet", 3, D1)
    assert '"session.exploded"' in row[6] and row[5] == 1
    # columns of quarantine.* as documented
    cols = [r[0] for r in con.execute("describe quarantine.dni_beacons").fetchall()]
    assert cols == [
        "reason_code",
        "reason_detail",
        "_file_key",
        "_row_number",
        "_arrival_date",
        "_loaded_at",
        "_load_id",
        "original_json",
    ]


def test_non_feed_files_are_ignored(landing: Path, tmp_path: Path) -> None:
    (landing / "recordings").mkdir()
    (landing / "recordings" / "x.wav").write_bytes(b"RIFF")
    (landing / "dni_beacons" / "not-a-dt").mkdir()
    pq.write_table(synth.beacons(0, 1, D1), landing / "dni_beacons" / "not-a-dt" / "x.parquet")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert load_landing(con, landing).rows_read == 1700
