"""Transcribe one recording into a redacted, analysed call record.

The unredacted text lives only in local variables of `Transcriber.transcribe`: redaction runs on
each speaker's segments before the record is built, and errors carry the exception type only,
so nothing a caller said can reach the warehouse, a log line or an exception message.

Speed choices (measured in bench/bench_transcribe.py against faster-whisper's defaults):
"fit" windows (cut at VAD silences, each encoded once at its own length plus 2 s of padding,
language detected on that same encoder output), beam 5 (configurable), int8 on CPU with one
recording per core at a time on one thread each (`transcribe_many`), no conditioning on
previous text (also stops the repetition loops Whisper falls into on noisy phone audio), one
pass over the downmix of a dual-channel call with speakers labelled by channel energy.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import numpy as np

from transcribe.intel import (
    Segment,
    call_sentiment,
    classify_outcome,
    keywords_json,
    spot_keywords,
)
from transcribe.model import ModelSpec, load_model, resolve_model
from transcribe.redact import redact_stream, redact_text

if TYPE_CHECKING:
    from pipelines.settings import Settings

SAMPLE_RATE = 16_000  # what Whisper consumes; decode_audio resamples to it
AUDIO_EXTENSIONS = {".wav", ".mp3", ".flac", ".ogg", ".opus", ".m4a", ".webm", ".aac", ".amr"}
# Below this RMS (about -46 dBFS) a channel is line noise, not speech: it is not even sent to
# the model, so silence can never come back as invented text.
SILENCE_RMS = 0.005


@dataclass(frozen=True)
class TranscribeOptions:
    # Beam search, 5 like Whisper's own default: on the clip library greedy decoding (1) was
    # ~1.8x faster but ~3 WER points worse (bench/README.md). CALLTRACK_WHISPER_BEAM_SIZE.
    beam_size: int = 5
    vad_filter: bool = True
    condition_on_previous_text: bool = False
    # Calls transcribed at once, each by its own model replica (CTranslate2 workers share one
    # process; each call runs on one thread). 0: one per core on CPU, 1 on CUDA. On 2 cores, two
    # calls on one thread each beat one call on two threads by about 2x: decoding one token at
    # a time is too small a job to split across threads (bench/README.md).
    num_workers: int = 0
    cpu_threads: int = 0  # threads per worker; 0: the cores divided among the workers
    max_audio_seconds: float = 4 * 3600.0  # longer recordings fail with reason too_long
    language: str | None = None  # None: detect once per call
    # Dual-channel: "mix" (default) transcribes the downmix once, so Whisper keeps the context
    # across turns, and labels each segment by the louder channel over its span: on the clip
    # library's dual-channel calls it was both faster (one pass, not two) and more accurate
    # (bench/README.md). A segment that spans both speakers' words goes to the louder one;
    # "split" transcribes each channel on its own: exact labels, for calls with crosstalk.
    stereo: str = "mix"
    # How the encoder sees the audio. "fit" (default): the call is cut at silences (Silero VAD)
    # into windows of at most 30 s minus the padding, each encoded once at its own length plus
    # `window_pad_seconds` of padding, the language detected on the first window's encoder
    # output, text and timestamps decoded from the same encoder output. Phone calls are short
    # or full of pauses, and Whisper pads every window to 30 s: on the clip library (7-19 s) the
    # encoder did 2-4x the work needed, twice per call (language detection re-encodes). Measured
    # in bench/README.md; below about 1 s of padding the decoder cuts the text short.
    # "full": faster-whisper's own loop (30-s windows, temperature fallback, VAD splicing).
    window: str = "fit"
    window_pad_seconds: float = 2.0


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


def default_threads() -> int:
    """CTranslate2's own default is 4 threads, too many on a 2-core machine (oversubscribed
    OpenMP threads made the encoder ~15% slower there): the cores this process may use, max 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


# Fit windows: VAD spans are kept with this much audio around them, and a window never ends
# closer than this to the next span's start (the edges are silence by VAD's reckoning).
_EDGE_SECONDS = 0.5


def fit_windows(
    n_samples: int, spans: list[tuple[int, int]], max_seconds: float
) -> list[tuple[int, int]]:
    """Sample ranges covering every speech span, each at most `max_seconds` long, cut only in
    the silence between spans (a span longer than a window is cut hard), never overlapping."""
    max_len = int(max_seconds * SAMPLE_RATE)
    edge = int(_EDGE_SECONDS * SAMPLE_RATE)
    pieces = []
    for a, b in spans:
        step = max(1, max_len - 2 * edge)
        while b - a > step:
            pieces.append((a, a + step))
            a += step
        pieces.append((a, b))
    windows: list[tuple[int, int]] = []
    for a, b in pieces:
        lo = max(a - edge, windows[-1][1] if windows else 0, 0)
        hi = min(b + edge, n_samples)
        if windows and hi - windows[-1][0] <= max_len:
            windows[-1] = (windows[-1][0], hi)
        else:
            windows.append((lo, hi))
    return windows


def split_by_timestamps(
    tokens: list[int], timestamp_begin: int, eot: int, window_seconds: float
) -> list[tuple[float, float, list[int]]]:
    """Whisper's output `<|t0|> text <|t1|><|t1|> text <|t2|>` as (start, end, text tokens);
    text after the last timestamp ends at the window's end."""
    out: list[tuple[float, float, list[int]]] = []
    last = 0.0
    current: list[int] = []
    for tok in tokens:
        if tok >= timestamp_begin:
            ts = min((tok - timestamp_begin) * 0.02, window_seconds)
            if current:
                out.append((last, max(ts, last), current))
                current = []
            last = ts
        elif tok < eot:
            current.append(tok)
    if current:
        out.append((last, max(window_seconds, last), current))
    return out


_MODEL_LOCK = threading.Lock()


@lru_cache(maxsize=2)
def _cached_model(spec: ModelSpec, cpu_threads: int, num_workers: int = 1):
    # One model per process and spec: loading costs ~1 s and 150-300 MB; `calltrack run`
    # materializes one partition after another in the same process.
    return load_model(spec, cpu_threads=cpu_threads, num_workers=num_workers)


class Transcriber:
    def __init__(self, spec: ModelSpec, options: TranscribeOptions | None = None) -> None:
        self.spec = spec
        self.options = options or TranscribeOptions()

    @property
    def workers(self) -> int:
        """Calls transcribed at once (`TranscribeOptions.num_workers`, resolved)."""
        if self.options.num_workers > 0:
            return self.options.num_workers
        return default_threads() if self.spec.device == "cpu" else 1

    @property
    def model(self):
        threads = self.options.cpu_threads
        if not threads and self.spec.device == "cpu":
            threads = max(1, default_threads() // self.workers)
        with _MODEL_LOCK:  # concurrent first calls would each load a copy
            return _cached_model(self.spec, threads, self.workers)

    def transcribe_many(self, recordings: Sequence[tuple[bytes, str]]) -> list[CallResult]:
        """`transcribe` over (bytes, name) pairs, `workers` at a time, results in order.

        CTranslate2 releases the GIL while encoding and decoding and gives each concurrent call
        its own replica, so threads are enough; the Python around it (VAD, redaction) is small.
        """
        if self.workers == 1 or len(recordings) < 2:
            return [self.transcribe(data, name) for data, name in recordings]
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            return list(pool.map(lambda r: self.transcribe(*r), recordings))

    def _recognise(
        self, track: np.ndarray, language: str | None
    ) -> tuple[list[tuple[float, float, str, float, float]], str | None, float | None]:
        """(start, end, text, avg_logprob, no_speech_prob) per segment, the language and its
        probability (None when `language` was given or nothing was said)."""
        opts = self.options
        if opts.window == "full":
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
            return got, info.language, info.language_probability
        if opts.window != "fit":
            raise ValueError(f"window must be fit or full, got {opts.window!r}")
        return self._recognise_fit(track, language)

    def _recognise_fit(
        self, track: np.ndarray, language: str | None
    ) -> tuple[list[tuple[float, float, str, float, float]], str | None, float | None]:
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        opts = self.options
        model = self.model
        if opts.vad_filter:
            from faster_whisper.vad import VadOptions, get_speech_timestamps

            found = get_speech_timestamps(track, VadOptions())
            spans = [(int(t["start"]), int(t["end"])) for t in found]
        else:
            spans = [(0, len(track))]
        pad_frames = int(round(opts.window_pad_seconds * 100))
        windows = fit_windows(len(track), spans, 30.0 - opts.window_pad_seconds)
        detected, prob = None, None
        got: list[tuple[float, float, str, float, float]] = []
        tokenizer = None
        for lo, hi in windows:
            feats = model.feature_extractor(track[lo:hi])[..., :-1]
            n = min(3000, feats.shape[-1] + pad_frames)
            n += n % 2  # the encoder halves the frames
            encoded = model.encode(np.ascontiguousarray(pad_or_trim(feats, n)))
            if tokenizer is None:
                lang = language
                if lang is None and model.model.is_multilingual:
                    token, prob = model.model.detect_language(encoded)[0][0]
                    lang = detected = token[2:-2]
                tokenizer = Tokenizer(
                    model.hf_tokenizer,
                    model.model.is_multilingual,
                    task="transcribe",
                    language=lang or "en",
                )
                prompt = model.get_prompt(tokenizer, [])
                suppress = list(get_suppressed_tokens(tokenizer, [-1]))
            window_seconds = (hi - lo) / SAMPLE_RATE
            # Bounded output: ~3 words a second is fast speech; a decoder stuck in a loop stops
            # at this length instead of 448 tokens.
            max_new = min(model.max_length - len(prompt), int(12 * window_seconds) + 32)
            res = model.model.generate(
                encoded,
                [prompt],
                beam_size=opts.beam_size,
                max_length=len(prompt) + max_new,
                suppress_blank=True,
                suppress_tokens=suppress,
                return_scores=True,
            )[0]
            # The no-speech probability from a one-step decode: asking the full decode for it
            # made greedy decoding twice as slow (CTranslate2 4.x on CPU).
            no_speech = model.model.generate(
                encoded,
                [prompt],
                max_length=len(prompt) + 1,
                return_no_speech_prob=True,
            )[0].no_speech_prob
            tokens = res.sequences_ids[0]
            avg_logprob = res.scores[0] * len(tokens) / (len(tokens) + 1)
            if no_speech > 0.6 and avg_logprob < -1.0:
                continue  # faster-whisper's rule: silence, whatever text came out
            offset = lo / SAMPLE_RATE
            for start, end, text_tokens in split_by_timestamps(
                tokens, tokenizer.timestamp_begin, tokenizer.eot, window_seconds
            ):
                text = tokenizer.decode(text_tokens).strip()
                if text:
                    got.append((offset + start, offset + end, text, avg_logprob, no_speech))
        return got, detected, prob

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
                got, detected, detected_prob = self._recognise(track, language)
                if language is None and got:
                    # Detected on the first channel with speech, reused for the other.
                    language, language_prob = detected, detected_prob
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


def _whole_number(value: object, env: str, low: int, high: int) -> int:
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        number = low - 1
    if not low <= number <= high:
        raise ValueError(f"{env} must be a whole number from {low} to {high}, got {value!r}")
    return number


def build_transcriber(settings: Settings) -> Transcriber:
    """The transcriber the CALLTRACK_WHISPER_* settings describe (asset and CLI alike)."""
    beam = _whole_number(settings.whisper_beam_size, "CALLTRACK_WHISPER_BEAM_SIZE", 1, 10)
    workers = _whole_number(settings.whisper_workers, "CALLTRACK_WHISPER_WORKERS", 0, 64)
    spec = resolve_model(
        settings.whisper_model,
        settings.whisper_device,
        settings.whisper_compute_type,
        settings.whisper_cache_dir,
    )
    return Transcriber(spec, TranscribeOptions(beam_size=beam, num_workers=workers))
