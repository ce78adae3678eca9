"""Transcripts keyed by audio content: byte-identical recordings are transcribed once.

Robocalls, voicemail greetings, re-delivered files and the simulator's copies of the clip library
give thousands of recordings with the same bytes. Each recording is keyed by the SHA-256 of its
bytes plus a digest of everything that can change the stored result: the model (name, compute
type, device, the files' identity), the transcription options that change the text (all of
`TranscribeOptions` except thread counts), the source of the code that builds the record
(transcriber, redaction, call intelligence) and the versions of faster-whisper, CTranslate2 and
VADER. Changing any of them makes a new key, so a stale transcript is never reused.

The cache (`transcripts.transcript_cache`) holds the *finished, redacted* record: text,
segments with their sentiment, language, sentiment, outcome and redaction count — exactly what
`transcripts.call_transcripts`/`segments` already hold, never unredacted text. Keywords are not
cached: they depend on the account's lists and are spotted again on the cached redacted segments
(microseconds). Content is hashed, never file identity (paths, inodes, hard links).

Only results that depend on the bytes alone are cached: `ok`, `no_speech` and `failed` for bad
audio (corrupt, empty, too long). A `transcription_error:*` (an exception inside the model, maybe
transient) and anything decided before the bytes are read (missing file, read error, file name
with an unsupported extension) are not.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import duckdb
import pyarrow as pa

from transcribe.intel import Segment
from transcribe.model import PACKAGED_FILES, ModelSpec
from transcribe.tables import ensure_tables
from transcribe.transcriber import CallResult, TranscribeOptions

# Options that change speed but not the text.
NON_TEXT_OPTIONS = frozenset({"cpu_threads", "num_workers"})
# Modules whose source decides the stored record (a change there invalidates every entry).
_CODE_FILES = ("transcriber.py", "redact.py", "intel.py")
_PACKAGES = ("faster-whisper", "ctranslate2", "vaderSentiment")


def audio_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def code_digest() -> str:
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in _CODE_FILES:
        h.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    for pkg in _PACKAGES:
        try:
            version = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            version = "absent"
        h.update(f"{pkg}={version}\0".encode())
    return h.hexdigest()


def model_identity(spec: ModelSpec) -> dict[str, object]:
    """What identifies the model's weights without hashing gigabytes on every run: the packaged
    model's verified checksums, else model.bin's size and mtime and config.json's SHA-256."""
    folder = Path(spec.path)
    files = {}
    for name in ("model.bin", "config.json"):
        p = folder / name
        if not p.is_file():
            files[name] = None
        elif (
            name in PACKAGED_FILES
            and p.stat().st_size == PACKAGED_FILES[name][0]
            and (name != "model.bin" or (folder / ".verified").is_file())
        ):
            files[name] = PACKAGED_FILES[name][1]  # verified at assembly (transcribe/model.py)
        elif name == "config.json":
            files[name] = _file_digest(p)
        else:
            st = p.stat()
            files[name] = f"{st.st_size}:{st.st_mtime_ns}"
    return files


def config_digest(spec: ModelSpec, options: TranscribeOptions) -> str:
    opts = {k: v for k, v in dataclasses.asdict(options).items() if k not in NON_TEXT_OPTIONS}
    payload = {
        "model": spec.label,
        "device": spec.device,
        "model_files": model_identity(spec),
        "options": opts,
        "code": code_digest(),
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def cacheable(result: CallResult) -> bool:
    if result.status == "failed":
        return bool(result.reason) and not result.reason.startswith("transcription_error")
    return result.status in ("ok", "no_speech")


def fresh_copy(result: CallResult) -> CallResult:
    """A copy a caller may change (keywords are filled per account)."""
    return dataclasses.replace(
        result,
        segments=list(result.segments),
        segment_sentiments=list(result.segment_sentiments),
        keywords="[]",
    )


_SEGMENT_TYPE = pa.struct(
    [
        ("speaker", pa.string()),
        ("start_seconds", pa.float64()),
        ("end_seconds", pa.float64()),
        ("redacted_text", pa.string()),
        ("sentiment", pa.float64()),
        ("avg_logprob", pa.float64()),
        ("no_speech_prob", pa.float64()),
    ]
)
_COLUMNS = [
    ("cache_key", pa.string()),
    ("audio_sha256", pa.string()),
    ("config_digest", pa.string()),
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
    ("redaction_count", pa.int32()),
    ("segments", pa.list_(_SEGMENT_TYPE)),
    ("created_at", pa.timestamp("us", tz="UTC")),
]
_RESULT_FIELDS = [n for n, _ in _COLUMNS[3:17]]


class TranscriptCache:
    """Content-keyed transcripts for one model and option set: in memory for this process, and
    in `transcripts.transcript_cache` across runs. Not thread-safe (one per run)."""

    def __init__(self, spec: ModelSpec, options: TranscribeOptions) -> None:
        self.digest = config_digest(spec, options)
        self._mem: dict[str, CallResult] = {}
        self._pending: dict[str, CallResult] = {}

    def key(self, data: bytes) -> str:
        return f"{audio_sha256(data)}:{self.digest}"

    def __contains__(self, key: str) -> bool:
        return key in self._mem

    def get(self, key: str) -> CallResult | None:
        hit = self._mem.get(key)
        return fresh_copy(hit) if hit is not None else None

    def load(self, con: duckdb.DuckDBPyConnection, keys: Iterable[str]) -> int:
        """Bring stored entries for `keys` into memory; returns how many were found."""
        wanted = sorted({k for k in keys if k not in self._mem})
        if not wanted:
            return 0
        ensure_tables(con)
        names = ", ".join(["cache_key", *_RESULT_FIELDS, "segments"])
        rows = con.execute(
            f"select {names} from transcripts.transcript_cache "
            "where list_contains($keys, cache_key)",
            {"keys": wanted},
        ).fetchall()
        for row in rows:
            values = dict(zip(_RESULT_FIELDS, row[1:-1], strict=True))
            segs = row[-1] or []
            self._mem[row[0]] = CallResult(
                **values,
                segments=[
                    Segment(
                        s["speaker"],
                        s["start_seconds"],
                        s["end_seconds"],
                        s["redacted_text"],
                        s["avg_logprob"],
                        s["no_speech_prob"],
                    )
                    for s in segs
                ],
                segment_sentiments=[s["sentiment"] for s in segs],
            )
        return len(rows)

    def put(self, key: str, result: CallResult) -> bool:
        """Remember a freshly transcribed result (if it depends on the bytes alone)."""
        if not cacheable(result):
            return False
        stored = fresh_copy(result)
        self._mem[key] = stored
        self._pending[key] = stored
        return True

    def flush(self, con: duckdb.DuckDBPyConnection, now: dt.datetime | None = None) -> int:
        """Write the entries remembered since the last flush (an existing key is kept)."""
        if not self._pending:
            return 0
        now = now or dt.datetime.now(dt.UTC)
        rows = []
        for key, res in self._pending.items():
            sha, digest = key.split(":", 1)
            row = {"cache_key": key, "audio_sha256": sha, "config_digest": digest}
            row.update({n: getattr(res, n) for n in _RESULT_FIELDS})
            row["segments"] = [
                {
                    "speaker": s.speaker,
                    "start_seconds": s.start_seconds,
                    "end_seconds": s.end_seconds,
                    "redacted_text": s.text,
                    "sentiment": score,
                    "avg_logprob": s.avg_logprob,
                    "no_speech_prob": s.no_speech_prob,
                }
                for s, score in zip(res.segments, res.segment_sentiments, strict=True)
            ]
            row["created_at"] = now
            rows.append(row)
        tbl = pa.Table.from_pylist(rows, schema=pa.schema(_COLUMNS))
        ensure_tables(con)
        con.register("_ct_cache", tbl)
        try:
            names = ", ".join(n for n, _ in _COLUMNS)
            # Another process may have stored the same key meanwhile: same content, keep it.
            con.execute(
                f"insert or ignore into transcripts.transcript_cache ({names}) "
                f"select {names} from _ct_cache"
            )
        finally:
            con.unregister("_ct_cache")
        n = len(self._pending)
        self._pending.clear()
        return n


def prune_cache(con: duckdb.DuckDBPyConnection, keep_digest: str) -> int:
    """Delete the cache entries of every other configuration (an older model, options or code:
    entries no run with the current configuration can hit); returns how many were deleted."""
    ensure_tables(con)
    row = con.execute(
        "select count(*) from transcripts.transcript_cache where config_digest <> $keep",
        {"keep": keep_digest},
    ).fetchone()
    con.execute(
        "delete from transcripts.transcript_cache where config_digest <> $keep",
        {"keep": keep_digest},
    )
    return int(row[0]) if row else 0
