"""Transcribe one recording into a redacted, analysed call record.

The unredacted text lives only in local variables of `Transcriber.transcribe`: redaction runs on
each speaker's segments before the record is built, and errors carry the exception type only,
so nothing a caller said can reach the warehouse, a log line or an exception message.

Speed choices (measured in bench/bench_transcribe.py against faster-whisper's defaults):
greedy decoding (beam 1), Silero VAD (skips silence), int8 on CPU, no conditioning on previous
text (also stops the repetition loops Whisper falls into on noisy phone audio), one pass over
the downmix of a dual-channel call with speakers labelled by channel energy, and language
detected once per call.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath

import numpy as np

from transcribe.intel import (
    Segment,
    call_sentiment,
    classify_outcome,
    keywords_json,
    spot_keywords,
)
from transcribe.model import ModelSpec, load_model
from transcribe.redact import redact_stream, redact_text

SAMPLE_RATE = 16_000  # what Whisper consumes; decode_audio resamples to it
AUDIO_EXTENSIONS = {".wav", ".mp3", ".flac", ".ogg", ".opus", ".m4a", ".webm", ".aac", ".amr"}
# Below this RMS (about -46 dBFS) a channel is line noise, not speech: it is not even sent to
# the model, so silence can never come back as invented text.
SILENCE_RMS = 0.005


@dataclass(frozen=True)
class TranscribeOptions:
    beam_size: int = 1
    vad_filter: bool = True
    condition_on_previous_text: bool = False
    cpu_threads: int = 0  # 0: CTranslate2's default (all cores, capped at 4)
    max_audio_seconds: float = 4 * 3600.0  # longer recordings fail with reason too_long
    language: str | None = None  # None: detect once per call
    # Dual-channel: "mix" (default) transcribes the downmix once, so Whisper keeps the context
    # across turns, and labels each segment by the louder channel over its span: on the clip
    # library's dual-channel calls it was both faster (one pass, not two) and more accurate
    # (bench/README.md). A segment that spans both speakers' words goes to the louder one;
    # "split" transcribes each channel on its own: exact labels, for calls with crosstalk.
    stereo: str = "mix"


@dataclass
class CallResult:
    """What is stored for one call: redacted text only."""

    status: str  # ok | no_speech | failed
    reason: str | None = None
    language: str | None = None
    language_probability: float | None = None
    audio_seconds: float | None = None
    channels: int | None = None
    model: str | None = None
    redacted_text: str | None = None
    segments: list[Segment] = field(default_factory=list)
    segment_sentiments: list[float | None] = field(default_factory=list)
    sentiment_overall: float | None = None
    sentiment_caller: float | None = None
    sentiment_agent: float | None = None
    sentiment_label: str | None = None
    outcome: str | None = None
    keywords: str = "[]"
    redaction_count: int = 0


class AudioError(Exception):
    """Audio that cannot be transcribed; `reason` is the stored reason code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def name_supported(name: str) -> bool:
    """False for a file name whose extension is not audio (no extension is fine)."""
    suffix = PurePosixPath(name).suffix.lower()
    return not suffix or suffix in AUDIO_EXTENSIONS


def probe_and_decode(data: bytes, name: str, max_seconds: float) -> tuple[list[np.ndarray], float]:
    """Decoded channels at 16 kHz (1 or 2 arrays) and the length in seconds, or AudioError."""
    import av

    if not data:
        raise AudioError("empty_file")
    if not name_supported(name):
        raise AudioError("unsupported_format", PurePosixPath(name).suffix.lower())
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise AudioError("unsupported_format", "no audio stream")
            stream = container.streams.audio[0]
            channels = stream.codec_context.channels
            seconds = (
                float(stream.duration * stream.time_base)
                if stream.duration is not None and stream.time_base is not None
                else (container.duration / 1e6 if container.duration else None)
            )
    except AudioError:
        raise
    except Exception as exc:  # noqa: BLE001 - PyAV raises many types for bad input
        raise AudioError("corrupt_audio", type(exc).__name__) from None
    if channels not in (1, 2):
        raise AudioError("unsupported_format", f"{channels} channels")
    if seconds is not None and seconds > max_seconds:
        raise AudioError("too_long", f"{seconds:.0f}s > {max_seconds:.0f}s")
    from faster_whisper.audio import decode_audio

    try:
        decoded = decode_audio(io.BytesIO(data), SAMPLE_RATE, split_stereo=channels == 2)
    except Exception as exc:  # noqa: BLE001
        raise AudioError("corrupt_audio", type(exc).__name__) from None
    tracks = list(decoded) if channels == 2 else [decoded]
    n = max(len(t) for t in tracks)
    if n == 0:
        raise AudioError("empty_file", "no samples")
    seconds = n / SAMPLE_RATE
    if seconds > max_seconds:
        raise AudioError("too_long", f"{seconds:.0f}s > {max_seconds:.0f}s")
    return tracks, seconds


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


@lru_cache(maxsize=2)
def _cached_model(spec: ModelSpec, cpu_threads: int):
    # One model per process and spec: loading costs ~1 s and 150-300 MB; `calltrack run`
    # materializes one partition after another in the same process.
    return load_model(spec, cpu_threads=cpu_threads)


class Transcriber:
    def __init__(self, spec: ModelSpec, options: TranscribeOptions | None = None) -> None:
        self.spec = spec
        self.options = options or TranscribeOptions()

    @property
    def model(self):
        return _cached_model(self.spec, self.options.cpu_threads)

    def transcribe(self, data: bytes, name: str = "recording.wav") -> CallResult:
        """Transcribe, redact and analyse one recording. Never raises for bad audio."""
        opts = self.options
        try:
            tracks, seconds = probe_and_decode(data, name, opts.max_audio_seconds)
        except AudioError as err:
            return CallResult(status="failed", reason=err.reason, model=self.spec.label)
        channels = len(tracks)
        speakers = ["caller", "agent"] if channels == 2 else ["unknown"]
        base = CallResult(
            status="no_speech",
            audio_seconds=round(seconds, 3),
            channels=channels,
            model=self.spec.label,
        )
        language, language_prob = opts.language, None
        raw: dict[str, list[tuple[float, float, str, float, float]]] = {}
        try:
            passes = list(zip(speakers, tracks, strict=True))
            if channels == 2 and opts.stereo == "mix":
                passes = [("mix", (tracks[0] + tracks[1]) * 0.5)]
            for speaker, track in passes:
                if rms(track) < SILENCE_RMS:
                    continue
                segments, info = self.model.transcribe(
                    track,
                    language=language,
                    beam_size=opts.beam_size,
                    vad_filter=opts.vad_filter,
                    condition_on_previous_text=opts.condition_on_previous_text,
                )
                got = [
                    (s.start, s.end, s.text.strip(), s.avg_logprob, s.no_speech_prob)
                    for s in segments
                    if s.text.strip()
                ]
                if language is None and got:
                    # Detected on the first channel with speech, reused for the other.
                    language, language_prob = info.language, info.language_probability
                if speaker == "mix":
                    for item in got:
                        a, b = int(item[0] * SAMPLE_RATE), int(item[1] * SAMPLE_RATE)
                        who = "caller" if rms(tracks[0][a:b]) >= rms(tracks[1][a:b]) else "agent"
                        raw.setdefault(who, []).append(item)
                else:
                    raw[speaker] = got
        except Exception as exc:  # noqa: BLE001 - one bad call must not stop the run
            base.status, base.reason = "failed", f"transcription_error:{type(exc).__name__}"
            return base
        if not any(raw.values()):
            base.reason = "no_speech_detected"
            return base
        # Redaction per speaker stream, before anything leaves this function.
        segments: list[Segment] = []
        count = 0
        for speaker, items in raw.items():
            texts, n = redact_stream([t for _, _, t, _, _ in items])
            count += n
            for (start, end, _, logprob, nsp), text in zip(items, texts, strict=True):
                if text:
                    segments.append(
                        Segment(speaker, round(start, 2), round(end, 2), text, logprob, nsp)
                    )
        del raw
        segments.sort(key=lambda s: (s.start_seconds, s.speaker != "caller"))  # ties: caller
        if channels == 2:
            full = "\n".join(f"{s.speaker}: {s.text}" for s in segments)
        else:
            full = " ".join(s.text for s in segments)
        # Interleaving the speakers puts text side by side that was redacted apart (the agent's
        # "reference 4821" right after the caller's "card"): one more pass over the whole text
        # keeps the stored text clean by the same rules the blocking asset check applies.
        full, extra = redact_text(full)
        count += extra
        sent = call_sentiment(segments)
        return CallResult(
            status="ok",
            language=language,
            language_probability=round(language_prob, 4) if language_prob is not None else None,
            audio_seconds=base.audio_seconds,
            channels=channels,
            model=self.spec.label,
            redacted_text=full,
            segments=segments,
            segment_sentiments=list(sent.per_segment),
            sentiment_overall=sent.overall,
            sentiment_caller=sent.caller,
            sentiment_agent=sent.agent,
            sentiment_label=sent.label,
            outcome=classify_outcome(full),
            keywords="[]",
            redaction_count=count,
        )

    def analyse_keywords(self, result: CallResult, lists: dict[str, list[str]]) -> CallResult:
        """Fill `keywords` from the account's lists (kept apart: lists depend on the account)."""
        if result.status == "ok":
            result.keywords = keywords_json(spot_keywords(result.segments, lists))
        return result
