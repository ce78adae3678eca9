"""The committed clip library matches its manifest (the simulator and the quality tests rely
on it)."""

import wave

import numpy as np
import pytest

from transcribe import CLIPS_DIR, load_manifest, synthesize_call
from transcribe.cliplib import INTENTS, SAMPLE_RATE, espeak_available, spoken_digits
from transcribe.redact import luhn_valid

CLIPS = load_manifest()


def _read(path):  # noqa: ANN001, ANN202
    with wave.open(str(path)) as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return w.getframerate(), w.getsampwidth(), w.getnchannels(), frames


def test_library_covers_intents_channels_and_pii() -> None:
    assert 20 <= len(CLIPS) <= 30
    assert {c.intent for c in CLIPS} == set(INTENTS)
    assert {c.channels for c in CLIPS} == {1, 2}
    assert sum(c.card_number is not None for c in CLIPS) >= 4
    assert len({c.clip_id for c in CLIPS}) == len(CLIPS)
    total = sum((CLIPS_DIR / c.file).stat().st_size for c in CLIPS)
    assert total < 8_000_000  # stays small in git


@pytest.mark.parametrize("clip", CLIPS, ids=lambda c: c.clip_id)
def test_clip_matches_manifest(clip) -> None:  # noqa: ANN001
    rate, width, channels, frames = _read(CLIPS_DIR / clip.file)
    assert (rate, width, channels) == (SAMPLE_RATE, 2, clip.channels)
    assert abs(len(frames) / channels / rate - clip.seconds) < 0.01
    assert 6 <= clip.seconds <= 20
    assert clip.reference_text == " ".join(t.text for t in clip.turns)
    if clip.card_number:
        assert clip.has_pii and luhn_valid(clip.card_number)
        assert spoken_digits(clip.card_number) in clip.reference_text
    if channels == 2:
        # Caller left, agent right, turns apart in time: the channels are rarely loud together.
        pcm = frames.reshape(-1, 2).astype(np.float32) / 32768
        loud = np.abs(pcm) > 0.05
        assert loud[:, 0].any() and loud[:, 1].any()
        assert (loud[:, 0] & loud[:, 1]).mean() < 0.01


@pytest.mark.skipif(
    not espeak_available(), reason="espeak-ng/sox not installed (clips are committed)"
)
def test_synthesize_call_is_deterministic(tmp_path) -> None:  # noqa: ANN001
    turns = [{"speaker": "caller", "text": "Hello there."}, {"speaker": "agent", "text": "Hi."}]
    a = synthesize_call(turns, 2, tmp_path / "a.wav", seed=3)
    b = synthesize_call(turns, 2, tmp_path / "b.wav", seed=3)
    assert a == b > 0.5
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
    with pytest.raises(ValueError):
        synthesize_call([("robot", "hi")], 1, tmp_path / "c.wav")
