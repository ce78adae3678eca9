"""Model assembly from the two PyPI packages (real files, ~150 MB copied once into tmp)."""

from pathlib import Path

import pytest

from transcribe.model import (
    PACKAGED_FILES,
    ModelError,
    ensure_packaged_model,
    resolve_model,
    verify_folder,
)


@pytest.fixture(scope="module")
def assembled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_packaged_model(tmp_path_factory.mktemp("whisper"))


def test_assembles_and_verifies(assembled: Path) -> None:
    assert {p.name for p in assembled.iterdir()} >= set(PACKAGED_FILES)
    verify_folder(assembled)  # sizes and SHA-256
    # A second call reuses the folder instead of rebuilding it.
    mtime = (assembled / "model.bin").stat().st_mtime_ns
    assert ensure_packaged_model(assembled.parent) == assembled
    assert (assembled / "model.bin").stat().st_mtime_ns == mtime


def test_truncated_model_is_rebuilt(tmp_path: Path, assembled: Path) -> None:
    cache = tmp_path / "cache"
    target = ensure_packaged_model(cache)
    with (target / "model.bin").open("r+b") as f:
        f.truncate(1000)
    with pytest.raises(ModelError):
        verify_folder(target)
    ensure_packaged_model(cache)
    verify_folder(target)


def test_resolve_defaults_to_int8_on_cpu(assembled: Path) -> None:
    spec = resolve_model("base", "cpu", "default", assembled.parent)
    assert (spec.path, spec.device, spec.compute_type) == (assembled, "cpu", "int8")
    assert spec.label == "whisper-base/int8"


def test_custom_folder_and_refusals(tmp_path: Path, assembled: Path) -> None:
    spec = resolve_model(str(assembled), "cpu", "float32", tmp_path)
    assert spec.path == assembled and spec.compute_type == "float32"
    with pytest.raises(ModelError, match="never downloaded"):
        resolve_model("small", "cpu", "default", tmp_path)  # a hub name: refused
    with pytest.raises(ModelError):
        resolve_model("base", "tpu", "default", tmp_path)
