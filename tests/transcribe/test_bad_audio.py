"""Bad audio never crashes a run and silence never becomes text (real model)."""

import io
import wave

import numpy as np
import pytest

from transcribe.cliplib import load_manifest, write_wav
from transcribe.transcriber import TranscribeOptions, Transcriber

pytestmark = pytest.mark.xdist_group("whisper")


def _wav(samples: np.ndarray, rate: int = 8000) -> bytes:
    buf = io.BytesIO()
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(buf, "wb") as w:
        w.setnchannels(1 if samples.ndim == 1 else samples.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def test_empty_file(transcriber) -> None:  # noqa: ANN001
    r = transcriber.transcribe(b"", "a.wav")
    assert (r.status, r.reason, r.redacted_text) == ("failed", "empty_file", None)


def test_corrupt_file(transcriber) -> None:  # noqa: ANN001
    good = load_manifest()[0].path.read_bytes()
    r = transcriber.transcribe(b"RIFF" + bytes(range(256)) * 4 + good[5000:6000], "a.wav")
    assert (r.status, r.reason) == ("failed", "corrupt_audio")


def test_unsupported_format(transcriber) -> None:  # noqa: ANN001
    r = transcriber.transcribe(b"hello, this is not audio", "notes.txt")
    assert (r.status, r.reason) == ("failed", "unsupported_format")


def test_header_only_wav_is_empty(transcriber) -> None:  # noqa: ANN001
    r = transcriber.transcribe(_wav(np.zeros(0, dtype=np.float32)), "a.wav")
    assert r.status == "failed" and r.reason in ("empty_file", "corrupt_audio")


@pytest.mark.parametrize("channels", [1, 2])
def test_digital_silence_has_no_text(transcriber, channels) -> None:  # noqa: ANN001
    r = transcriber.transcribe(_wav(np.zeros((8000 * 8, channels), dtype=np.float32)), "s.wav")
    assert (r.status, r.reason, r.redacted_text, r.segments) == (
        "no_speech",
        "no_speech_detected",
        None,
        [],
    )
    assert r.audio_seconds == pytest.approx(8.0, abs=0.05)


def test_line_noise_has_no_text(transcriber) -> None:  # noqa: ANN001
    # Hiss loud enough to pass the RMS gate: VAD and Whisper's no-speech test must reject it.
    noise = np.random.default_rng(0).normal(0, 0.02, 8000 * 10).astype(np.float32)
    r = transcriber.transcribe(_wav(noise), "n.wav")
    assert r.status == "no_speech" and r.redacted_text is None


def test_too_long(transcriber) -> None:  # noqa: ANN001
    short = Transcriber(transcriber.spec, TranscribeOptions(max_audio_seconds=5.0))
    r = short.transcribe(load_manifest()[0].path.read_bytes(), "a.wav")
    assert (r.status, r.reason) == ("failed", "too_long")


def test_stereo_with_one_silent_channel(transcriber, tmp_path) -> None:  # noqa: ANN001
    clip = next(c for c in load_manifest() if c.clip_id == "spam_03")
    with wave.open(str(clip.path)) as w:
        mono = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
    path = tmp_path / "half.wav"
    write_wav(path, np.stack([mono, np.zeros_like(mono)], axis=1))
    r = transcriber.transcribe(path.read_bytes(), "half.wav")
    assert r.status == "ok"
    assert {s.speaker for s in r.segments} == {"caller"}
    assert r.sentiment_agent is None
