"""Integration: landing zone (local and a real SeaweedFS S3) -> raw.call_events (the real
ingestion load) -> transcription of a day -> transcripts.* ; the Dagster asset and its checks.

Three clips, one missing file and one unsupported file keep it to a few seconds of model time.
"""

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.contract import FEEDS
from ingest.load import load_landing
from transcribe.cliplib import load_manifest
from transcribe.pipeline import transcribe_day
from transcribe.store import RecordingReader, pending_days, pending_recordings

pytestmark = pytest.mark.xdist_group("whisper")

DAY = "2026-10-02"
CLIP_IDS = ("booked_03", "spam_03", "wrong_number_01")  # a card, mono, dual-channel


def _event(call_id: str, uri: str, channels: int, n: int) -> dict:
    row = {f.name: None for f in FEEDS["call_events"].fields}
    row.update(
        account_id="acct_dental",
        schema_version=1,
        event_id=f"evt_{n}",
        event_type="call.recording_ready",
        occurred_at=dt.datetime(2026, 10, 2, 9, n, tzinfo=dt.UTC),
        call_id=call_id,
        tracking_number="+15551001001",
        recording_uri=uri,
        recording_channels=channels,
    )
    return row


def make_landing(root: Path) -> dict[str, str]:
    """Recordings + one call_events file; returns call_id -> expected clip id or failure."""
    clips = {c.clip_id: c for c in load_manifest()}
    rec_dir = root / "recordings" / DAY
    rec_dir.mkdir(parents=True)
    rows, expected = [], {}
    for n, cid in enumerate(CLIP_IDS):
        shutil.copy(clips[cid].path, rec_dir / f"{cid}.wav")
        rows.append(_event(f"call_{cid}", f"recordings/{DAY}/{cid}.wav", clips[cid].channels, n))
        expected[f"call_{cid}"] = cid
    rows.append(_event("call_missing", f"recordings/{DAY}/nope.wav", 1, 10))
    (rec_dir / "fax.pdf").write_bytes(b"%PDF-1.4 not audio")
    rows.append(_event("call_pdf", f"recordings/{DAY}/fax.pdf", 1, 11))
    expected.update(call_missing="missing_file", call_pdf="unsupported_format")
    out = root / "call_events" / f"dt={DAY}"
    out.mkdir(parents=True)
    pq.write_table(
        pa.Table.from_pylist(rows, schema=FEEDS["call_events"].schema), out / "a.parquet"
    )
    return expected


@pytest.fixture
def local_setup(tmp_path: Path):  # noqa: ANN201
    landing = tmp_path / "landing"
    expected = make_landing(landing)
    warehouse = tmp_path / "warehouse.duckdb"
    report = load_landing(str(warehouse), str(landing), feeds=["call_events"])
    assert report is not None
    return landing, warehouse, expected


def _connect(path: Path):  # noqa: ANN202
    from contextlib import contextmanager

    @contextmanager
    def cm():  # noqa: ANN202
        con = duckdb.connect(str(path))
        try:
            yield con
        finally:
            con.close()

    return cm


def _check_tables(warehouse: Path, expected: dict[str, str]) -> None:
    clips = {c.clip_id: c for c in load_manifest()}
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "select call_id, status, reason, outcome, redacted_text, channels, redaction_count, "
            "language from transcripts.call_transcripts"
        ).fetchall()
    }
    assert set(rows) == set(expected)
    for call_id, want in expected.items():
        status, reason, outcome, text, channels, redactions, language = rows[call_id]
        if want in clips:
            assert status == "ok" and reason is None and language == "en"
            assert channels == clips[want].channels
            assert outcome is not None and text
            if clips[want].card_number:
                assert "[CARD_NUMBER]" in text and redactions >= 1
        else:
            assert (status, reason, text) == ("failed", want, None)
    seg_calls = {
        r[0] for r in con.execute("select distinct call_id from transcripts.segments").fetchall()
    }
    assert seg_calls == {f"call_{c}" for c in CLIP_IDS}
    con.close()


def _snapshot(warehouse: Path) -> tuple:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        a = con.execute(
            "select * exclude (transcribed_at) from transcripts.call_transcripts order by call_id"
        ).fetchall()
        b = con.execute(
            "select * from transcripts.segments order by call_id, segment_index"
        ).fetchall()
        return a, b
    finally:
        con.close()


def test_day_from_local_landing_is_idempotent(local_setup, transcriber) -> None:  # noqa: ANN001
    landing, warehouse, expected = local_setup
    con = duckdb.connect(str(warehouse))
    assert pending_days(con) == [DAY]
    assert pending_recordings(con, "2026-10-01") == []
    con.close()
    summary = transcribe_day(_connect(warehouse), DAY, RecordingReader(str(landing)), transcriber)
    assert summary.calls == 5 and summary.statuses["failed"] == 2
    _check_tables(warehouse, expected)
    first = _snapshot(warehouse)
    # Rerun: nothing is pending, nothing changes.
    again = transcribe_day(_connect(warehouse), DAY, RecordingReader(str(landing)), transcriber)
    assert again.calls == 0
    assert _snapshot(warehouse) == first
    con = duckdb.connect(str(warehouse))
    assert pending_days(con) == []
    con.close()


def test_day_from_s3_landing(s3_server, tmp_path, transcriber) -> None:  # noqa: ANN001
    from ingest.landing import S3Landing

    landing_dir = tmp_path / "landing"
    expected = make_landing(landing_dir)
    bucket = "transcribe-test"
    s3_server.create_bucket(bucket)
    env = s3_server.env()
    opts = dict(
        endpoint_url=s3_server.endpoint_url,
        access_key_id=env["AWS_ACCESS_KEY_ID"],
        secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    uri = f"s3://{bucket}/landing"
    S3Landing(uri, **opts).upload_dir(landing_dir)
    warehouse = tmp_path / "w.duckdb"
    # raw rows loaded from the local copy (same keys); recordings are read from S3 only.
    load_landing(str(warehouse), str(landing_dir), feeds=["call_events"])
    shutil.rmtree(landing_dir / "recordings")

    class S3Settings:
        s3_endpoint_url = opts["endpoint_url"]
        s3_region = "us-east-1"
        aws_access_key_id = opts["access_key_id"]
        aws_secret_access_key = opts["secret_access_key"]

    reader = RecordingReader(uri, S3Settings())
    summary = transcribe_day(_connect(warehouse), DAY, reader, transcriber)
    assert summary.statuses["ok"] == 3
    _check_tables(warehouse, expected)
    # A full s3:// URI outside the landing prefix reads too.
    assert reader.read(f"s3://{bucket}/landing/recordings/{DAY}/spam_03.wav")[:4] == b"RIFF"


def test_dagster_asset_and_checks(local_setup, whisper_cache, monkeypatch) -> None:  # noqa: ANN001
    from pipelines.resources import CalltrackSettings, build_resources
    from pipelines.settings import Settings
    from pipelines.transcription.assets import CALL_TRANSCRIPTS
    from pipelines.transcription.definitions import defs
    from pipelines.transcription.partitions import days_with_recordings

    landing, warehouse, expected = local_setup
    monkeypatch.setenv("CALLTRACK_WHISPER_CACHE", str(whisper_cache))
    monkeypatch.setenv("CALLTRACK_WHISPER_DEVICE", "cpu")
    settings = Settings.from_env(landing_uri=str(landing), warehouse_path=str(warehouse))
    assert days_with_recordings(settings) == [DAY]
    resources = build_resources(
        CalltrackSettings(landing_uri=str(landing), warehouse_path=str(warehouse))
    )
    result = dg.materialize(
        list(defs.assets) + list(defs.asset_checks),
        selection=[CALL_TRANSCRIPTS],
        partition_key=DAY,
        resources=resources,
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    mat = result.asset_materializations_for_node("transcripts__call_transcripts")[0]
    assert mat.metadata["calls"].value == 5
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"no_pii_in_stored_text": True, "statuses_and_outcomes_valid": True}
    _check_tables(warehouse, expected)
    assert days_with_recordings(settings) == []


def test_pii_check_fails_on_leaked_card(local_setup, whisper_cache, monkeypatch) -> None:  # noqa: ANN001
    from pipelines.resources import CalltrackSettings, Warehouse
    from pipelines.transcription.checks import no_pii_in_stored_text
    from transcribe.tables import ensure_tables

    _, warehouse, _ = local_setup
    con = duckdb.connect(str(warehouse))
    ensure_tables(con)
    con.execute(
        "insert into transcripts.call_transcripts (call_id, status, redacted_text) "
        "values (?, ?, ?)",
        ["call_leak", "ok", "my card is 4111 1111 1111 1111"],
    )
    con.close()
    wh = Warehouse(settings=CalltrackSettings(warehouse_path=str(warehouse)))
    result = no_pii_in_stored_text(wh)
    assert not result.passed
    assert result.metadata["calls_with_pii"].value == 1
    assert "4111" not in str(result.metadata)
