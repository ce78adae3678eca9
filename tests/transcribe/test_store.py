"""Reading recording URIs and writing results (no model)."""

import datetime as dt

import duckdb
import pytest

from transcribe.intel import Segment
from transcribe.store import (
    PendingRecording,
    RecordingMissing,
    RecordingReader,
    RecordingUnreadable,
    write_results,
)
from transcribe.transcriber import CallResult


def test_reader_resolves_uri_forms(tmp_path) -> None:  # noqa: ANN001
    landing = tmp_path / "landing"
    (landing / "recordings").mkdir(parents=True)
    (landing / "recordings" / "a.wav").write_bytes(b"RIFFa")
    outside = tmp_path / "b.wav"
    outside.write_bytes(b"RIFFb")
    reader = RecordingReader(str(landing))
    assert reader.read("recordings/a.wav") == b"RIFFa"  # landing-relative
    assert reader.read(str(outside)) == b"RIFFb"  # absolute path
    assert reader.read(outside.as_uri()) == b"RIFFb"  # file://
    with pytest.raises(RecordingMissing):
        reader.read("recordings/none.wav")
    with pytest.raises(RecordingUnreadable, match="leaves the landing zone"):
        reader.read("recordings/../../b.wav")  # the simulator's traversal case
    with pytest.raises(RecordingUnreadable, match="unsupported scheme"):
        reader.read("http://example.com/a.wav")


def _result(text: str, n_segments: int) -> CallResult:
    segs = [Segment("caller", float(i), i + 0.5, f"{text} {i}") for i in range(n_segments)]
    return CallResult(
        status="ok",
        language="en",
        redacted_text=text,
        segments=segs,
        segment_sentiments=[0.0] * n_segments,
        outcome="other",
        redaction_count=0,
    )


def test_write_replaces_by_call_id(tmp_path) -> None:  # noqa: ANN001
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    rec = PendingRecording("c1", "acct", "recordings/c1.wav", 1, dt.date(2026, 10, 1))
    other = PendingRecording("c2", "acct", "recordings/c2.wav", 1, dt.date(2026, 10, 1))
    now = dt.datetime(2026, 10, 2, tzinfo=dt.UTC)
    write_results(con, [(rec, _result("first", 3)), (other, _result("other", 1))], now)
    write_results(con, [(rec, _result("second", 2))], now)
    rows = con.execute(
        "select call_id, redacted_text from transcripts.call_transcripts order by call_id"
    ).fetchall()
    assert rows == [("c1", "second"), ("c2", "other")]
    segs = con.execute(
        "select call_id, count(*) from transcripts.segments group by all order by 1"
    ).fetchall()
    assert segs == [("c1", 2), ("c2", 1)]
    # A value that looks like SQL is data, not text of a statement.
    evil = PendingRecording("x'); drop table raw.t; --", None, None, None, dt.date(2026, 10, 1))
    write_results(con, [(evil, CallResult(status="failed", reason="missing_uri"))], now)
    assert con.execute("select count(*) from transcripts.call_transcripts").fetchone()[0] == 3
