"""Which recordings wait for a transcript, reading them, and writing the results.

Work for an arrival day: calls whose latest `call.recording_ready` event arrived that day and that
have no row in `transcripts.call_transcripts` yet (a failed or no_speech row counts as done:
rerunning a day changes nothing). Rows are written in small batches, delete-then-insert by
call_id in one transaction, so a run stopped half-way keeps what it finished and a rerun
converges to the same tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import pyarrow as pa

from transcribe.tables import ensure_tables
from transcribe.transcriber import CallResult

Connect = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]

# Latest recording_ready per call (a provider may resend it); order as the landing load does.
_LATEST_READY = """
with ready as (
    select
        call_id, account_id, recording_uri, recording_channels, _arrival_date,
        row_number() over (
            partition by call_id order by _load_id desc, _file_key desc, _row_number desc
        ) as rn
    from raw.call_events
    where event_type = 'call.recording_ready' and call_id is not null
)
select r.call_id, r.account_id, r.recording_uri, r.recording_channels, r._arrival_date
from ready as r
where r.rn = 1
  and not exists (select 1 from transcripts.call_transcripts as t where t.call_id = r.call_id)
"""


@dataclass(frozen=True)
class PendingRecording:
    call_id: str
    account_id: str | None
    recording_uri: str | None
    recording_channels: int | None
    arrival_date: dt.date


def _has_raw_call_events(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'call_events'"
    ).fetchone()
    return bool(row and row[0])


def pending_recordings(
    con: duckdb.DuckDBPyConnection, day: str | dt.date | None = None
) -> list[PendingRecording]:
    """Recordings without a transcript, for one arrival day (None: all days)."""
    if not _has_raw_call_events(con):
        return []
    ensure_tables(con)
    sql = f"select * from ({_LATEST_READY}) where ($day is null or _arrival_date = $day::date)"
    rows = con.execute(sql + " order by call_id", {"day": str(day) if day else None}).fetchall()
    return [PendingRecording(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def pending_days(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Arrival days that have recordings without a transcript, sorted."""
    return sorted({p.arrival_date.isoformat() for p in pending_recordings(con)})


# ------------------------------------------------------------------------------ reading audio


class RecordingMissing(Exception):
    pass


class RecordingUnreadable(Exception):
    pass


class RecordingReader:
    """Reads a recording_uri: landing-relative (local or S3 landing), `s3://bucket/key`,
    `file://` or an absolute path. S3 clients are made once per bucket and reused."""

    def __init__(self, landing_uri: str, settings: object | None = None) -> None:
        self.landing_uri = landing_uri
        self.settings = settings
        self._landings: dict[str, object] = {}

    def _landing(self, uri: str):
        if uri not in self._landings:
            from ingest.landing import open_landing

            self._landings[uri] = open_landing(uri, self.settings)
        return self._landings[uri]

    def read(self, recording_uri: str) -> bytes:
        parsed = urlparse(recording_uri)
        if parsed.scheme == "s3":
            return self._read_landing(f"s3://{parsed.netloc}", parsed.path.lstrip("/"))
        if parsed.scheme == "file":
            return self._read_path(Path(parsed.path))
        if parsed.scheme:
            raise RecordingUnreadable(f"unsupported scheme {parsed.scheme}")
        if Path(recording_uri).is_absolute():
            return self._read_path(Path(recording_uri))
        if ".." in Path(recording_uri).parts:
            raise RecordingUnreadable("recording_uri leaves the landing zone")
        return self._read_landing(self.landing_uri, recording_uri)

    @staticmethod
    def _read_path(path: Path) -> bytes:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise RecordingMissing(str(path)) from None
        except OSError as exc:
            raise RecordingUnreadable(type(exc).__name__) from None

    def _read_landing(self, root: str, key: str) -> bytes:
        from ingest.landing import LandingReadError

        try:
            data, _ = self._landing(root).read_bytes(key)
        except LandingReadError as exc:
            cause = exc.__cause__
            code = getattr(cause, "response", {}).get("Error", {}).get("Code", "")
            if isinstance(cause, FileNotFoundError) or code in ("NoSuchKey", "404", "NotFound"):
                raise RecordingMissing(key) from None
            raise RecordingUnreadable(type(cause).__name__ if cause else "read_error") from None
        return data


# ------------------------------------------------------------------------------------ writing

_CALL_COLUMNS = [
    ("call_id", pa.string()),
    ("account_id", pa.string()),
    ("recording_uri", pa.string()),
    ("status", pa.string()),
    ("reason", pa.string()),
    ("language", pa.string()),
    ("language_probability", pa.float64()),
    ("audio_seconds", pa.float64()),
    ("channels", pa.int32()),
    ("model", pa.string()),
    ("redacted_text", pa.string()),
    ("sentiment_overall", pa.float64()),
    ("sentiment_caller", pa.float64()),
    ("sentiment_agent", pa.float64()),
    ("sentiment_label", pa.string()),
    ("outcome", pa.string()),
    ("keywords", pa.string()),
    ("redaction_count", pa.int32()),
    ("transcribed_at", pa.timestamp("us", tz="UTC")),
]
_SEGMENT_COLUMNS = [
    ("call_id", pa.string()),
    ("segment_index", pa.int32()),
    ("speaker", pa.string()),
    ("start_seconds", pa.float64()),
    ("end_seconds", pa.float64()),
    ("redacted_text", pa.string()),
    ("sentiment", pa.float64()),
    ("avg_logprob", pa.float64()),
    ("no_speech_prob", pa.float64()),
]


def _table(columns: list[tuple[str, pa.DataType]], rows: list[dict]) -> pa.Table:
    schema = pa.schema(columns)
    return pa.Table.from_pylist(rows, schema=schema)


def write_results(
    con: duckdb.DuckDBPyConnection,
    results: Iterable[tuple[PendingRecording, CallResult]],
    now: dt.datetime | None = None,
) -> int:
    """Replace the rows of these calls in both tables (one transaction); returns calls written.
    Values travel as Arrow tables, never as SQL text."""
    now = now or dt.datetime.now(dt.UTC)
    calls, segments = [], []
    for rec, res in results:
        calls.append(
            {
                "call_id": rec.call_id,
                "account_id": rec.account_id,
                "recording_uri": rec.recording_uri,
                "status": res.status,
                "reason": res.reason,
                "language": res.language,
                "language_probability": res.language_probability,
                "audio_seconds": res.audio_seconds,
                "channels": res.channels,
                "model": res.model,
                "redacted_text": res.redacted_text,
                "sentiment_overall": res.sentiment_overall,
                "sentiment_caller": res.sentiment_caller,
                "sentiment_agent": res.sentiment_agent,
                "sentiment_label": res.sentiment_label,
                "outcome": res.outcome,
                "keywords": res.keywords,
                "redaction_count": res.redaction_count,
                "transcribed_at": now,
            }
        )
        for i, (seg, score) in enumerate(zip(res.segments, res.segment_sentiments, strict=True)):
            segments.append(
                {
                    "call_id": rec.call_id,
                    "segment_index": i,
                    "speaker": seg.speaker,
                    "start_seconds": seg.start_seconds,
                    "end_seconds": seg.end_seconds,
                    "redacted_text": seg.text,
                    "sentiment": score,
                    "avg_logprob": seg.avg_logprob,
                    "no_speech_prob": seg.no_speech_prob,
                }
            )
    if not calls:
        return 0
    calls_tbl = _table(_CALL_COLUMNS, calls)
    segs_tbl = _table(_SEGMENT_COLUMNS, segments)
    ensure_tables(con)
    con.register("_ct_calls", calls_tbl)
    con.register("_ct_segments", segs_tbl)
    try:
        con.execute("begin transaction")
        con.execute(
            "delete from transcripts.segments where call_id in (select call_id from _ct_calls)"
        )
        con.execute(
            "delete from transcripts.call_transcripts where call_id in "
            "(select call_id from _ct_calls)"
        )
        names = ", ".join(n for n, _ in _CALL_COLUMNS)
        con.execute(
            f"insert into transcripts.call_transcripts ({names}) select {names} from _ct_calls"
        )
        names = ", ".join(n for n, _ in _SEGMENT_COLUMNS)
        con.execute(f"insert into transcripts.segments ({names}) select {names} from _ct_segments")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_ct_calls")
        con.unregister("_ct_segments")
    return len(calls)


def batched(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
