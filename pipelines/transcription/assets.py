"""The transcription asset: one arrival day of recordings -> transcripts.* (thin; the work is in
`transcribe/`)."""

import dagster as dg

from pipelines.resources import CalltrackSettings, Warehouse
from pipelines.runner import PARTITION_KEYS_METADATA
from pipelines.transcription.partitions import RECORDING_DAYS
from transcribe.pipeline import transcribe_day
from transcribe.store import RecordingReader
from transcribe.tables import ensure_tables
from transcribe.transcriber import build_transcriber

CALL_TRANSCRIPTS = dg.AssetKey(["transcripts", "call_transcripts"])
RAW_CALL_EVENTS = dg.AssetKey(["raw", "call_events"])


@dg.asset(
    key=CALL_TRANSCRIPTS,
    deps=[RAW_CALL_EVENTS],
    partitions_def=RECORDING_DAYS,
    group_name="transcription",
    kinds={"python", "duckdb"},
    metadata={PARTITION_KEYS_METADATA: "pipelines.transcription.partitions:days_with_recordings"},
    description=(
        "Redacted transcripts of the recordings that arrived on the partition's day "
        "(faster-whisper), with sentiment, keywords and outcome; also writes transcripts.segments."
    ),
)
def call_transcripts(
    context: dg.AssetExecutionContext, settings: CalltrackSettings, warehouse: Warehouse
) -> dg.MaterializeResult:
    s = settings.get()
    with warehouse.connect() as con:
        ensure_tables(con)
    transcriber = build_transcriber(s)
    summary = transcribe_day(
        warehouse.connect,
        context.partition_key,
        RecordingReader(s.landing_uri, s),
        transcriber,
        log=context.log.info,
    )
    return dg.MaterializeResult(
        metadata={
            "calls": summary.calls,
            "ok": summary.statuses.get("ok", 0),
            "no_speech": summary.statuses.get("no_speech", 0),
            "failed": summary.statuses.get("failed", 0),
            "failure_reasons": dict(summary.reasons),
            "outcomes": dict(summary.outcomes),
            "redactions": summary.redactions,
            "audio_seconds": round(summary.audio_seconds, 1),
            "whisper_calls": summary.whisper_calls,
            "identical_audio_reused": summary.cache_hits,
            "transcribed_audio_seconds": round(summary.transcribed_seconds, 1),
            "realtime_factor": round(summary.realtime_factor or 0.0, 1),
            "model": transcriber.spec.label,
        }
    )
