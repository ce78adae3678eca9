"""Identical audio is transcribed once: keyed by content (SHA-256) + model + text-changing options,
within a run and across runs; the cache holds only redacted records."""

import dataclasses
import datetime as dt
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.contract import FEEDS
from ingest.load import load_landing
from transcribe.cache import TranscriptCache, cacheable, config_digest, prune_cache
from transcribe.cliplib import load_manifest
from transcribe.intel import Segment
from transcribe.model import ModelSpec
from transcribe.pipeline import transcribe_day
from transcribe.redact import find_pii
from transcribe.store import RecordingReader
from transcribe.transcriber import CallResult, TranscribeOptions, Transcriber

DAY1, DAY2 = "2026-10-02", "2026-10-03"


def _event(call_id: str, uri: str, day: str, n: int, account: str = "acct_dental") -> dict:
    row = {f.name: None for f in FEEDS["call_events"].fields}
    y, m, d = map(int, day.split("-"))
    row.update(
        account_id=account,
        schema_version=1,
        event_id=f"evt_{day}_{n}",
        event_type="call.recording_ready",
        occurred_at=dt.datetime(y, m, d, 9, n, tzinfo=dt.UTC),
        call_id=call_id,
        tracking_number="+15551001001",
        recording_uri=uri,
        recording_channels=1,
    )
    return row


def _land(landing: Path, day: str, calls: dict[str, str]) -> None:
    """One call_events file for `day`: call_id -> landing-relative recording path."""
    rows = [_event(cid, uri, day, n) for n, (cid, uri) in enumerate(sorted(calls.items()))]
    out = landing / "call_events" / f"dt={day}"
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pylist(rows, schema=FEEDS["call_events"].schema), out / "a.parquet"
    )


def _connect(path: Path):  # noqa: ANN202
    @contextmanager
    def cm():  # noqa: ANN202
        con = duckdb.connect(str(path))
        try:
            yield con
        finally:
            con.close()

    return cm


def _rows(warehouse: Path) -> dict[str, tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        calls = con.execute(
            "select call_id, * exclude (call_id, account_id, recording_uri, transcribed_at) "
            "from transcripts.call_transcripts"
        ).fetchall()
        segs = con.execute(
            "select call_id, * exclude (call_id) from transcripts.segments "
            "order by call_id, segment_index"
        ).fetchall()
    finally:
        con.close()
    seg_by_call: dict[str, list] = {}
    for r in segs:
        seg_by_call.setdefault(r[0], []).append(r[1:])
    return {r[0]: (r[1:], seg_by_call.get(r[0])) for r in calls}


# ------------------------------------------------------------------- unit: a counting model


class CountingTranscriber(Transcriber):
    """Counts model passes; returns a record built from the bytes (no Whisper)."""

    def __init__(self, spec: ModelSpec, options: TranscribeOptions | None = None) -> None:
        super().__init__(spec, options)
        self.passes = 0

    def transcribe(self, data: bytes, name: str = "recording.wav") -> CallResult:
        self.passes += 1
        if data.startswith(b"BOOM"):
            return CallResult(status="failed", reason="transcription_error:RuntimeError")
        words = data.decode().split()
        segs = [Segment("unknown", float(i), i + 0.5, w) for i, w in enumerate(words)]
        return CallResult(
            status="ok",
            language="en",
            audio_seconds=float(len(words)),
            channels=1,
            model=self.spec.label,
            redacted_text=" ".join(words),
            segments=segs,
            segment_sentiments=[0.1] * len(segs),
            sentiment_overall=0.1,
            sentiment_label="positive",
            outcome="booked",
            redaction_count=1,
        )


@pytest.fixture
def fake_spec(tmp_path: Path) -> ModelSpec:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"weights")
    (folder / "config.json").write_text("{}")
    return ModelSpec(path=folder, device="cpu", compute_type="int8", name="fake")


def test_same_bytes_one_pass_within_and_across_runs(tmp_path: Path, fake_spec: ModelSpec) -> None:
    landing = tmp_path / "landing"
    rec = landing / "recordings"
    rec.mkdir(parents=True)
    (rec / "a.wav").write_bytes(b"appointment booked tuesday")
    shutil.copy(rec / "a.wav", rec / "copy.wav")  # same bytes, another file
    os.link(rec / "a.wav", rec / "link.wav")  # same inode: content decides, not identity
    (rec / "b.wav").write_bytes(b"what does a cleaning cost")
    (rec / "boom.wav").write_bytes(b"BOOM model failure")
    (rec / "boom2.wav").write_bytes(b"BOOM model failure")
    (rec / "fax.pdf").write_bytes(b"appointment booked tuesday")  # same bytes, not audio
    _land(
        landing,
        DAY1,
        {
            "c1": "recordings/a.wav",
            "c2": "recordings/a.wav",  # two calls sharing one file
            "c3": "recordings/copy.wav",
            "c4": "recordings/link.wav",
            "c5": "recordings/b.wav",
            "c6": "recordings/boom.wav",
            "c7": "recordings/boom2.wav",
            "c8": "recordings/fax.pdf",
            "c9": "recordings/missing.wav",
        },
    )
    warehouse = tmp_path / "w.duckdb"
    load_landing(str(warehouse), str(landing), feeds=["call_events"])
    tr = CountingTranscriber(fake_spec)
    # batch_size 3: identical audio spans batches (in memory) and the warehouse table.
    summary = transcribe_day(_connect(warehouse), DAY1, RecordingReader(str(landing)), tr, None, 3)
    # a.wav once, b.wav once, both BOOM files (model errors are not cached), fax.pdf (not audio:
    # decided by its name, never keyed).
    assert tr.passes == 5
    assert (summary.whisper_calls, summary.cache_hits) == (5, 3)
    rows = _rows(warehouse)
    assert rows["c1"] == rows["c2"] == rows["c3"] == rows["c4"]
    assert rows["c1"][0][:1] == ("ok",) and rows["c5"] != rows["c1"]
    assert rows["c9"][0][:2] == ("failed", "missing_file")

    # A later run (new process state, new calls, same bytes): no pass at all.
    _land(landing, DAY2, {"d1": "recordings/copy.wav", "d2": "recordings/b.wav"})
    load_landing(str(warehouse), str(landing), feeds=["call_events"])
    tr2 = CountingTranscriber(fake_spec)
    summary = transcribe_day(_connect(warehouse), DAY2, RecordingReader(str(landing)), tr2)
    assert tr2.passes == 0 and summary.cache_hits == 2
    rows = _rows(warehouse)
    assert rows["d1"] == rows["c1"] and rows["d2"] == rows["c5"]

    con = duckdb.connect(str(warehouse), read_only=True)
    keys = con.execute("select count(*) from transcripts.transcript_cache").fetchone()[0]
    con.close()
    assert keys == 2  # a.wav and b.wav; not the model errors, not the pdf


def test_changed_option_or_model_is_a_new_key(tmp_path: Path, fake_spec: ModelSpec) -> None:
    base = config_digest(fake_spec, TranscribeOptions())
    # Thread counts change speed, not text: same key.
    assert config_digest(fake_spec, TranscribeOptions(cpu_threads=2)) == base
    assert config_digest(fake_spec, TranscribeOptions(num_workers=3)) == base
    changed = [
        config_digest(fake_spec, TranscribeOptions(beam_size=1)),
        config_digest(fake_spec, TranscribeOptions(window="full")),
        config_digest(fake_spec, TranscribeOptions(window_pad_seconds=3.0)),
        config_digest(fake_spec, TranscribeOptions(vad_filter=False)),
        config_digest(fake_spec, TranscribeOptions(language="en")),
        config_digest(fake_spec, TranscribeOptions(stereo="split")),
        config_digest(dataclasses.replace(fake_spec, compute_type="float32"), TranscribeOptions()),
        config_digest(dataclasses.replace(fake_spec, device="cuda"), TranscribeOptions()),
    ]
    assert base not in changed and len(set(changed)) == len(changed)
    (fake_spec.path / "config.json").write_text('{"changed": true}')  # other weights/config
    assert config_digest(fake_spec, TranscribeOptions()) != base

    landing = tmp_path / "landing"
    (landing / "recordings").mkdir(parents=True)
    (landing / "recordings" / "a.wav").write_bytes(b"price for a crown")
    _land(landing, DAY1, {"c1": "recordings/a.wav"})
    _land(landing, DAY2, {"d1": "recordings/a.wav"})
    warehouse = tmp_path / "w.duckdb"
    load_landing(str(warehouse), str(landing), feeds=["call_events"])
    reader = RecordingReader(str(landing))
    tr = CountingTranscriber(fake_spec)
    transcribe_day(_connect(warehouse), DAY1, reader, tr)
    greedy = CountingTranscriber(fake_spec, TranscribeOptions(beam_size=1))
    transcribe_day(_connect(warehouse), DAY2, reader, greedy)
    assert (tr.passes, greedy.passes) == (1, 1)

    # Pruning for the greedy configuration drops the other configuration's entry only.
    greedy_digest = config_digest(fake_spec, TranscribeOptions(beam_size=1))
    con = duckdb.connect(str(warehouse))
    try:
        assert prune_cache(con, greedy_digest) == 1
        assert prune_cache(con, greedy_digest) == 0
        left = con.execute("select config_digest from transcripts.transcript_cache").fetchall()
    finally:
        con.close()
    assert left == [(greedy_digest,)]


def test_keywords_per_account_from_cached_segments(tmp_path: Path, fake_spec: ModelSpec) -> None:
    landing = tmp_path / "landing"
    (landing / "recordings").mkdir(parents=True)
    (landing / "recordings" / "a.wav").write_bytes(b"my tooth hurts and the roof leaks")
    rows = [
        _event("c1", "recordings/a.wav", DAY1, 1, account="acct_dental"),
        _event("c2", "recordings/a.wav", DAY1, 2, account="acct_roofing"),
    ]
    out = landing / "call_events" / f"dt={DAY1}"
    out.mkdir(parents=True)
    pq.write_table(
        pa.Table.from_pylist(rows, schema=FEEDS["call_events"].schema), out / "a.parquet"
    )
    warehouse = tmp_path / "w.duckdb"
    load_landing(str(warehouse), str(landing), feeds=["call_events"])
    config = {
        "defaults": {},
        "accounts": {"acct_dental": {"dental": ["tooth"]}, "acct_roofing": {"roof": ["roof"]}},
    }
    tr = CountingTranscriber(fake_spec)
    transcribe_day(_connect(warehouse), DAY1, RecordingReader(str(landing)), tr, config)
    assert tr.passes == 1
    con = duckdb.connect(str(warehouse), read_only=True)
    kw = dict(con.execute("select call_id, keywords from transcripts.call_transcripts").fetchall())
    con.close()
    assert "tooth" in kw["c1"] and "roof" not in kw["c1"]
    assert "roof" in kw["c2"] and "tooth" not in kw["c2"]


def test_only_byte_determined_results_are_cacheable() -> None:
    assert cacheable(CallResult(status="ok"))
    assert cacheable(CallResult(status="no_speech", reason="no_speech_detected"))
    assert cacheable(CallResult(status="failed", reason="corrupt_audio"))
    assert not cacheable(CallResult(status="failed", reason="transcription_error:MemoryError"))


def test_cache_copies_are_independent(fake_spec: ModelSpec) -> None:
    cache = TranscriptCache(fake_spec, TranscribeOptions())
    res = CountingTranscriber(fake_spec).transcribe(b"hello there")
    key = cache.key(b"hello there")
    cache.put(key, res)
    a = cache.get(key)
    a.keywords = '["x"]'
    a.segments.append(Segment("unknown", 9.0, 9.5, "extra"))
    b = cache.get(key)
    assert b.keywords == "[]" and len(b.segments) == 2


# ------------------------------------------------------------ integration: the real model


@pytest.mark.integration
@pytest.mark.xdist_group("whisper")
def test_real_model_identical_clip_once_redacted(tmp_path: Path, transcriber) -> None:  # noqa: ANN001
    """Two calls share a card clip's file, a third has a copy: one Whisper pass, identical rows,
    and the cache holds the redacted text only (the blocking PII check passes over it)."""
    from pipelines.resources import CalltrackSettings, Warehouse
    from pipelines.transcription.checks import no_pii_in_stored_text

    clip = {c.clip_id: c for c in load_manifest()}["booked_03"]  # dual-channel, card number
    landing = tmp_path / "landing"
    (landing / "recordings").mkdir(parents=True)
    shutil.copy(clip.path, landing / "recordings" / "a.wav")
    shutil.copy(clip.path, landing / "recordings" / "b.wav")
    _land(
        landing,
        DAY1,
        {"c1": "recordings/a.wav", "c2": "recordings/a.wav", "c3": "recordings/b.wav"},
    )
    warehouse = tmp_path / "w.duckdb"
    load_landing(str(warehouse), str(landing), feeds=["call_events"])
    summary = transcribe_day(_connect(warehouse), DAY1, RecordingReader(str(landing)), transcriber)
    assert (summary.calls, summary.whisper_calls, summary.cache_hits) == (3, 1, 2)
    rows = _rows(warehouse)
    assert rows["c1"] == rows["c2"] == rows["c3"]
    con = duckdb.connect(str(warehouse), read_only=True)
    text, segs, redactions = con.execute(
        "select redacted_text, segments, redaction_count from transcripts.transcript_cache"
    ).fetchone()
    con.close()
    assert "[CARD_NUMBER]" in text and redactions >= 1
    assert clip.card_number not in text.replace(" ", "")
    assert not find_pii(text) and not any(find_pii(s["redacted_text"]) for s in segs)
    check = no_pii_in_stored_text(
        Warehouse(settings=CalltrackSettings(warehouse_path=str(warehouse)))
    )
    assert check.passed
