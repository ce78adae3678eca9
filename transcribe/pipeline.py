"""Transcribe one arrival day of recordings into the warehouse (what the Dagster asset calls)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from transcribe.cache import TranscriptCache, fresh_copy
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
from transcribe.transcriber import CallResult, Transcriber, name_supported


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
    cache_hits: int = 0  # calls whose audio was already transcribed (same bytes and config)
    whisper_calls: int = 0  # recordings that went through the model
    transcribed_seconds: float = 0.0  # audio seconds that went through the model

    @property
    def realtime_factor(self) -> float | None:
        return self.audio_seconds / self.wall_seconds if self.wall_seconds else None


def _read(rec: PendingRecording, reader: RecordingReader, label: str) -> bytes | CallResult:
    """The recording's bytes, or the failed row when there are none."""
    if not rec.recording_uri:
        return CallResult(status="failed", reason="missing_uri", model=label)
    try:
        return reader.read(rec.recording_uri)
    except RecordingMissing:
        return CallResult(status="failed", reason="missing_file", model=label)
    except RecordingUnreadable as exc:
        return CallResult(status="failed", reason=f"read_error:{exc}", model=label)


def transcribe_recording(
    rec: PendingRecording,
    reader: RecordingReader,
    transcriber: Transcriber,
    lists: Mapping[str, list[str]],
) -> CallResult:
    """One call, no cache; bad input becomes a failed row with a reason, never an exception."""
    data = _read(rec, reader, transcriber.spec.label)
    if isinstance(data, CallResult):
        return data
    result = transcriber.transcribe(data, name=rec.recording_uri)
    return transcriber.analyse_keywords(result, dict(lists))


def _transcribe_batch(
    batch: list[PendingRecording],
    reader: RecordingReader,
    transcriber: Transcriber,
    cache: TranscriptCache | None,
    connect: Connect,
    summary: DaySummary,
) -> list[CallResult]:
    """Results of one batch, in order, before keywords. Identical audio (by content) is
    transcribed once: within the batch, earlier in the run, or in an earlier run."""
    label = transcriber.spec.label
    read = [_read(rec, reader, label) for rec in batch]
    keys: list[str | None] = [
        cache.key(d)
        if cache is not None and isinstance(d, bytes) and name_supported(rec.recording_uri or "")
        else None
        for rec, d in zip(batch, read, strict=True)
    ]
    wanted = [k for k in keys if k is not None and k not in cache]
    if wanted:
        with connect() as con:
            cache.load(con, wanted)
    # Recordings that need the model: one per distinct audio (a repeat inside the batch waits
    # for the first), transcribed `transcriber.workers` at a time.
    todo: dict[str | int, tuple[bytes, str]] = {}
    for i, (rec, data, key) in enumerate(zip(batch, read, keys, strict=True)):
        if isinstance(data, CallResult) or (key is not None and key in cache):
            continue
        todo.setdefault(key if key is not None else i, (data, rec.recording_uri or ""))
    fresh = dict(zip(todo, transcriber.transcribe_many(list(todo.values())), strict=True))
    for todo_key, res in fresh.items():
        summary.whisper_calls += 1
        summary.transcribed_seconds += res.audio_seconds or 0.0
        if isinstance(todo_key, str):
            cache.put(todo_key, res)
    results = []
    used: set[str] = set()
    for i, (data, key) in enumerate(zip(read, keys, strict=True)):
        if isinstance(data, CallResult):
            results.append(data)
        elif key is None:
            results.append(fresh[i])
        elif key in fresh and key not in used:
            used.add(key)
            results.append(fresh[key])  # the first call with this audio
        else:
            # Stored earlier, or a repeat within the batch (an uncacheable transcription error
            # is copied too: the same bytes would fail the same way).
            summary.cache_hits += 1
            hit = cache.get(key)
            results.append(hit if hit is not None else fresh_copy(fresh[key]))
    return results


def transcribe_day(
    connect: Connect,
    day: str | None,
    reader: RecordingReader,
    transcriber: Transcriber,
    keyword_config: Mapping | None = None,
    batch_size: int = 10,
    log: Callable[[str], None] | None = None,
    use_cache: bool = True,
) -> DaySummary:
    """Transcribe every pending recording of arrival day `day` (None: all days).

    With `use_cache`, recordings are keyed by the SHA-256 of their bytes plus the model and
    text-changing options (transcribe/cache.py): identical audio goes through Whisper once."""
    start = time.perf_counter()
    config = keyword_config if keyword_config is not None else load_keyword_config()
    with connect() as con:
        pending = pending_recordings(con, day)
    cache = TranscriptCache(transcriber.spec, transcriber.options) if use_cache else None
    summary = DaySummary(day=day)
    for batch in batched(pending, batch_size):
        batch_results = _transcribe_batch(batch, reader, transcriber, cache, connect, summary)
        results = []
        for rec, res in zip(batch, batch_results, strict=True):
            res = transcriber.analyse_keywords(res, keyword_lists(rec.account_id, config))
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
        # to minutes, and other readers of the DuckDB file should not wait on it. Cache entries
        # go first: a run stopped between the two writes reuses them on the rerun.
        with connect() as con:
            if cache is not None:
                cache.flush(con)
            write_results(con, results)
        if log:
            log(
                f"transcribed {summary.calls}/{len(pending)} calls of {day or 'all days'} "
                f"({summary.whisper_calls} through Whisper, {summary.cache_hits} identical audio "
                "reused)"
            )
    summary.wall_seconds = time.perf_counter() - start
    return summary
