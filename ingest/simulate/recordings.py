"""The clip library the simulator draws recordings from (made by `transcribe`, committed).

Read through `transcribe.load_manifest()` when that package is importable; the simulator needs
only each clip's id, intent, channels, length, file and whether a card number is spoken.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CLIPS_DIR = Path(__file__).resolve().parents[2] / "transcribe" / "clips"


class ClipLibraryMissing(RuntimeError):
    """Recordings were requested but no clip library exists."""


@dataclass(frozen=True)
class ClipRef:
    clip_id: str
    intent: str
    channels: int
    seconds: float
    path: Path
    card_number: str | None


def load_clips(clips_dir: Path | None = None) -> list[ClipRef]:
    """Clips of the library at `clips_dir` (default: transcribe/clips), in manifest order."""
    root = Path(clips_dir) if clips_dir is not None else DEFAULT_CLIPS_DIR
    manifest = root / "manifest.json"
    if not manifest.is_file():
        raise ClipLibraryMissing(
            f"no clip library at {manifest}: build it with `python -m transcribe.clips build`, "
            "or simulate with recordings=False (`calltrack simulate --no-recordings`)"
        )
    data = json.loads(manifest.read_text())
    clips = [
        ClipRef(
            clip_id=c["clip_id"],
            intent=c["intent"],
            channels=int(c["channels"]),
            seconds=float(c["seconds"]),
            path=root / c["file"],
            card_number=c.get("card_number"),
        )
        for c in data["clips"]
    ]
    missing = [str(c.path) for c in clips if not c.path.is_file()]
    if missing:
        raise ClipLibraryMissing(f"clip files listed in {manifest} are missing: {missing[:3]}")
    return clips
