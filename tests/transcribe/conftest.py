"""Fixtures of the transcription tests: the real Whisper base model (int8, CPU), assembled once
per session into a temp cache, and every clip of the library transcribed once per session."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from transcribe.cliplib import Clip, load_manifest
from transcribe.model import resolve_model
from transcribe.transcriber import CallResult, Transcriber


@pytest.fixture(scope="session")
def whisper_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("whisper_cache")


@pytest.fixture(scope="session")
def transcriber(whisper_cache: Path) -> Transcriber:
    return Transcriber(resolve_model("base", "cpu", "int8", whisper_cache))


@dataclass
class ClipRun:
    clip: Clip
    result: CallResult
    seconds: float  # wall time of this clip


@pytest.fixture(scope="session")
def clip_runs(transcriber: Transcriber) -> list[ClipRun]:
    """Each clip transcribed exactly once (about 330 s of audio; 20-60 s of CPU on 2 cores)."""
    runs = []
    for clip in load_manifest():
        t0 = time.perf_counter()
        result = transcriber.transcribe(clip.path.read_bytes(), clip.file)
        runs.append(ClipRun(clip, result, time.perf_counter() - t0))
    return runs
