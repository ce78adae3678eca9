"""Transcriber assembly with a fake model (unit: speaker split, redaction order, no model)."""

import threading
from types import SimpleNamespace

import numpy as np

from transcribe.cliplib import write_wav
from transcribe.model import ModelSpec
from transcribe.redact import find_pii
from transcribe.transcriber import CallResult, TranscribeOptions, Transcriber


class FakeModel:
    """Returns canned segments per call; the first call is the caller (left) channel."""

    def __init__(self, per_channel: list[list[str]]) -> None:
        self.per_channel = per_channel
        self.calls = 0

    def transcribe(self, audio, **kwargs):  # noqa: ANN001, ANN003, ANN201
        texts = self.per_channel[self.calls]
        self.calls += 1
        segs = [
            SimpleNamespace(
                start=2.0 * i, end=2.0 * i + 1.5, text=t, avg_logprob=-0.2, no_speech_prob=0.01
            )
            for i, t in enumerate(texts)
        ]
        return iter(segs), SimpleNamespace(language="en", language_probability=0.97)


def _stereo_wav(tmp_path) -> bytes:  # noqa: ANN001
    t = np.arange(8000 * 4) / 8000
    tone = 0.3 * np.sin(2 * np.pi * 440 * t)
    path = tmp_path / "s.wav"
    write_wav(path, np.stack([tone, tone], axis=1))
    return path.read_bytes()


def test_redaction_before_assembly_and_across_speakers(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    fake = FakeModel(
        [
            ["I want to pay by card.", "It is 4111 1111", "1111 1111, thanks"],
            ["Sure, go ahead.", "Your reference is 4821 and 9 more.", "Bye."],
        ]
    )
    tr = Transcriber(
        ModelSpec(tmp_path, "cpu", "int8", "fake"), TranscribeOptions(stereo="split", window="full")
    )
    monkeypatch.setattr(Transcriber, "model", property(lambda self: fake))
    r = tr.transcribe(_stereo_wav(tmp_path), "s.wav")
    assert r.status == "ok" and r.channels == 2 and r.language == "en"
    assert {s.speaker for s in r.segments} == {"caller", "agent"}
    assert "[CARD_NUMBER]" in r.redacted_text
    assert "4111" not in r.redacted_text and "1111" not in r.redacted_text
    assert find_pii(r.redacted_text) == []
    assert all(find_pii(s.text) == [] for s in r.segments)
    assert r.redaction_count >= 1
    assert r.redacted_text.splitlines()[0].startswith("caller:")


def test_mix_mode_labels_segments_by_louder_channel(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    # Caller talks on the left during 0-2 s, agent on the right during 2-4 s.
    t = np.arange(8000 * 4) / 8000
    tone = 0.3 * np.sin(2 * np.pi * 440 * t)
    left, right = tone.copy(), tone.copy()
    left[16000:] = 0
    right[:16000] = 0
    path = tmp_path / "turns.wav"
    write_wav(path, np.stack([left, right], axis=1))
    fake = FakeModel([["Hello, I need a plumber.", "Sure, when suits you?"]])
    # default: mix; the fake stands in for faster-whisper's own loop
    tr = Transcriber(ModelSpec(tmp_path, "cpu", "int8", "fake"), TranscribeOptions(window="full"))
    monkeypatch.setattr(Transcriber, "model", property(lambda self: fake))
    r = tr.transcribe(path.read_bytes(), "turns.wav")
    assert fake.calls == 1  # one pass over the downmix
    assert [(s.speaker, s.text) for s in r.segments] == [
        ("caller", "Hello, I need a plumber."),
        ("agent", "Sure, when suits you?"),
    ]


def test_fit_windows_cut_in_silence_only() -> None:
    from transcribe.transcriber import SAMPLE_RATE, fit_windows

    sr = SAMPLE_RATE
    # A short call: one window around the speech, half a second of context each side.
    assert fit_windows(20 * sr, [(2 * sr, 5 * sr), (8 * sr, 12 * sr)], 28.0) == [
        (int(1.5 * sr), int(12.5 * sr))
    ]
    # A long call: windows of at most 28 s, cut between spans, never overlapping.
    spans = [(i * 10 * sr, i * 10 * sr + 6 * sr) for i in range(10)]
    windows = fit_windows(100 * sr, spans, 28.0)
    assert all(hi - lo <= 28 * sr for lo, hi in windows)
    assert all(a[1] <= b[0] for a, b in zip(windows, windows[1:], strict=False))
    for a, b in spans:  # every span inside one window
        assert any(lo <= a and b <= hi for lo, hi in windows)
    # One span longer than a window is cut hard, still without overlap or gaps.
    windows = fit_windows(70 * sr, [(0, 70 * sr)], 28.0)
    assert windows[0][0] == 0 and windows[-1][1] == 70 * sr
    assert all(a[1] == b[0] for a, b in zip(windows, windows[1:], strict=False))
    assert fit_windows(10 * sr, [], 28.0) == []


def test_split_by_timestamps() -> None:
    from transcribe.transcriber import split_by_timestamps

    tb, eot = 1000, 900  # timestamp tokens from 1000 (0.02 s each), end of text 900
    tokens = [tb + 0, 1, 2, tb + 100, tb + 100, 3, tb + 250, 4, 5, eot]
    assert split_by_timestamps(tokens, tb, eot, 8.0) == [
        (0.0, 2.0, [1, 2]),
        (2.0, 5.0, [3]),
        (5.0, 8.0, [4, 5]),  # no closing timestamp: ends with the window
    ]
    assert split_by_timestamps([tb + 0, eot], tb, eot, 3.0) == []


class _SlowTranscriber(Transcriber):
    """Records which calls overlap; a barrier proves two run at the same time."""

    def __init__(self, spec: ModelSpec, options: TranscribeOptions, parties: int) -> None:
        super().__init__(spec, options)
        self.barrier = threading.Barrier(parties, timeout=10)
        self.threads: set[int] = set()

    def transcribe(self, data: bytes, name: str = "recording.wav") -> CallResult:
        self.threads.add(threading.get_ident())
        if self.barrier.parties > 1:
            self.barrier.wait()  # raises BrokenBarrierError if the calls ran one at a time
        return CallResult(status="ok", redacted_text=data.decode(), reason=name)


def test_transcribe_many_runs_workers_at_once_in_order(tmp_path) -> None:  # noqa: ANN001
    spec = ModelSpec(tmp_path, "cpu", "int8", "fake")
    recordings = [(f"call {i}".encode(), f"{i}.wav") for i in range(6)]
    tr = _SlowTranscriber(spec, TranscribeOptions(num_workers=2), parties=2)
    got = tr.transcribe_many(recordings)
    # Results come back in input order whatever order the workers finished in.
    assert [(r.redacted_text, r.reason) for r in got] == [(d.decode(), n) for d, n in recordings]
    assert len(tr.threads) == 2


def test_transcribe_many_one_worker_stays_on_the_calling_thread(tmp_path) -> None:  # noqa: ANN001
    spec = ModelSpec(tmp_path, "cpu", "int8", "fake")
    tr = _SlowTranscriber(spec, TranscribeOptions(num_workers=1), parties=1)
    got = tr.transcribe_many([(b"a", "a.wav"), (b"b", "b.wav")])
    assert [r.redacted_text for r in got] == ["a", "b"]
    assert tr.threads == {threading.get_ident()}
