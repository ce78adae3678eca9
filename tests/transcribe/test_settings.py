"""The transcription settings reach the transcriber (beam size) and bad values are refused."""

from pathlib import Path

import pytest

from pipelines.settings import Settings
from pipelines.transcription.assets import build_transcriber


def test_beam_size_setting(whisper_cache: Path) -> None:
    env = {"CALLTRACK_WHISPER_DEVICE": "cpu", "CALLTRACK_WHISPER_CACHE": str(whisper_cache)}
    assert build_transcriber(Settings.from_env(env)).options.beam_size == 5  # the default
    greedy = build_transcriber(Settings.from_env({**env, "CALLTRACK_WHISPER_BEAM_SIZE": "1"}))
    assert greedy.options.beam_size == 1 and greedy.options.window == "fit"
    for bad in ("0", "eleven", "2.5"):
        with pytest.raises(ValueError, match="CALLTRACK_WHISPER_BEAM_SIZE"):
            build_transcriber(Settings.from_env({**env, "CALLTRACK_WHISPER_BEAM_SIZE": bad}))
