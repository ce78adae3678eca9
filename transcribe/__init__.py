"""Transcription and call intelligence (no Dagster here; `pipelines/transcription/` calls in).

Re-exported for other domains (the simulator reads the clip library):
`CLIPS_DIR`, `Clip`, `Turn`, `load_manifest()`, `synthesize_call(turns, channels, out_path, seed)`.
"""

from transcribe.cliplib import CLIPS_DIR, Clip, Turn, load_manifest, synthesize_call

__all__ = ["CLIPS_DIR", "Clip", "Turn", "load_manifest", "synthesize_call"]
