"""Transcription settings (beam size, workers) reach the transcriber; bad values are refused."""

from pathlib import Path

import pytest

from pipelines.settings import Settings
from transcribe.transcriber import build_transcriber


def test_beam_size_setting(whisper_cache: Path) -> None:
    env = {"CALLTRACK_WHISPER_DEVICE": "cpu", "CALLTRACK_WHISPER_CACHE": str(whisper_cache)}
    assert build_transcriber(Settings.from_env(env)).options.beam_size == 5  # the default
    greedy = build_transcriber(Settings.from_env({**env, "CALLTRACK_WHISPER_BEAM_SIZE": "1"}))
    assert greedy.options.beam_size == 1 and greedy.options.window == "fit"
    for bad in ("0", "eleven", "2.5"):
        with pytest.raises(ValueError, match="CALLTRACK_WHISPER_BEAM_SIZE"):
            build_transcriber(Settings.from_env({**env, "CALLTRACK_WHISPER_BEAM_SIZE": bad}))


def test_workers_setting(whisper_cache: Path) -> None:
    env = {"CALLTRACK_WHISPER_DEVICE": "cpu", "CALLTRACK_WHISPER_CACHE": str(whisper_cache)}
    auto = build_transcriber(Settings.from_env(env))
    assert auto.options.num_workers == 0 and auto.workers >= 1  # a core each
    one = build_transcriber(Settings.from_env({**env, "CALLTRACK_WHISPER_WORKERS": "1"}))
    assert one.workers == 1
    for bad in ("-1", "two", "65"):
        with pytest.raises(ValueError, match="CALLTRACK_WHISPER_WORKERS"):
            build_transcriber(Settings.from_env({**env, "CALLTRACK_WHISPER_WORKERS": bad}))
