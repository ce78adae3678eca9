"""Transcribe one arrival day of recordings into the warehouse (what the Dagster asset calls)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from transcribe.intel import keyword_lists, load_keyword_config
from transcribe.store import (
    Connect,
    PendingRecording,
    RecordingMissing,
    RecordingReader,
    RecordingUnreadable,
    batched,
    pending_recordings,
    write_results,
)
from transcribe.transcriber import CallResult, Transcriber


@dataclass
class DaySummary:
    day: str | None
    calls: int = 0
    statuses: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0
    redactions: int = 0

    @property
    def realtime_factor(self) -> float | None:
        return self.audio_seconds / self.wall_seconds if self.wall_seconds else None


def transcribe_recording(
    rec: PendingRecording,
    reader: RecordingReader,
    transcriber: Transcriber,
    lists: Mapping[str, list[str]],
) -> CallResult:
    """One call; bad input becomes a failed row with a reason, never an exception."""
    if not rec.recording_uri:
        return CallResult(status="failed", reason="missing_uri", model=transcriber.spec.label)
    try:
        data = reader.read(rec.recording_uri)
    except RecordingMissing:
        return CallResult(status="failed", reason="missing_file", model=transcriber.spec.label)
    except RecordingUnreadable as exc:
        return CallResult(status="failed", reason=f"read_error:{exc}", model=transcriber.spec.label)
    result = transcriber.transcribe(data, name=rec.recording_uri)
    return transcriber.analyse_keywords(result, dict(lists))


def transcribe_day(
    connect: Connect,
    day: str | None,
    reader: RecordingReader,
    transcriber: Transcriber,
    keyword_config: Mapping | None = None,
    batch_size: int = 10,
    log: Callable[[str], None] | None = None,
) -> DaySummary:
    """Transcribe every pending recording of arrival day `day` (None: all days)."""
    start = time.perf_counter()
    config = keyword_config if keyword_config is not None else load_keyword_config()
    with connect() as con:
        pending = pending_recordings(con, day)
    summary = DaySummary(day=day)
    for batch in batched(pending, batch_size):
        results = []
        for rec in batch:
            res = transcribe_recording(
                rec, reader, transcriber, keyword_lists(rec.account_id, config)
            )
            results.append((rec, res))
            summary.calls += 1
            summary.statuses[res.status] += 1
            if res.reason:
                summary.reasons[res.reason] += 1
            if res.outcome:
                summary.outcomes[res.outcome] += 1
            summary.audio_seconds += res.audio_seconds or 0.0
            summary.redactions += res.redaction_count
        # The connection is held only while writing: transcription of a batch takes seconds
        # to minutes, and other readers of the DuckDB file should not wait on it.
        with connect() as con:
            write_results(con, results)
        if log:
            log(f"transcribed {summary.calls}/{len(pending)} calls of {day or 'all days'}")
    summary.wall_seconds = time.perf_counter() - start
    return summary
