"""The three model commands from the `calltrack` CLI, and the Dagster asset on a temporary
warehouse (through the same resources `calltrack run` gives it)."""

from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from models.config import config_from_dict
from pipelines.cli import main
from pipelines.resources import CalltrackSettings, build_resources
from pipelines.scoring.assets import call_scores
from pipelines.scoring.checks import scores_not_constant, scores_use_a_registered_model


@pytest.fixture
def config_file(tmp_path: Path, make_config) -> Path:
    # Cheaper still than the shared test config: these tests exercise plumbing, not accuracy.
    config = make_config(
        calibration="sigmoid",
        calibration_folds=2,
        tune={"space": {"C": [0.3, 1.0]}, "folds": 2},
    )
    path = tmp_path / "fast.yaml"
    raw = config.to_dict()
    path.write_text(yaml.safe_dump(_plain(raw)))
    assert config_from_dict(yaml.safe_load(path.read_text())) == config  # round trip
    return path


def _plain(v):
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def test_train_tune_evaluate_list(
    warehouse: Path, models_dir: Path, config_file: Path, capsys: pytest.CaptureFixture
) -> None:
    common = ["--config", str(config_file), "--warehouse", str(warehouse)]
    common += ["--models-dir", str(models_dir)]
    assert main(["model", "train", *common]) == 0
    out = capsys.readouterr().out
    assert "registered test-logistic-" in out and "duration_rule" in out and "report:" in out
    assert main(["model", "tune", *common]) == 0
    assert "best config:" in capsys.readouterr().out
    assert main(["model", "evaluate", *common]) == 0
    assert "evaluated test-logistic-" in capsys.readouterr().out
    assert main(["model", "list", *common, "--json"]) == 0
    listing = capsys.readouterr().out
    assert listing.count("test-logistic-") >= 3 and "*" in listing  # two models + JSON; a champion
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kinds = sorted(r[0] for r in con.execute("select kind from ml.model_runs").fetchall())
    assert kinds == ["evaluate", "train", "tune"]


def test_train_on_too_little_data_exits_cleanly(
    tmp_path: Path,
    models_dir: Path,
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from models.synthetic import make_features, write_features

    path = tmp_path / "tiny.duckdb"
    with duckdb.connect(str(path)) as con:
        write_features(con, make_features(30, 1, seed=2))
    # default config from another directory: found as the packaged copy
    monkeypatch.chdir(tmp_path)
    code = main(["model", "train", "--warehouse", str(path), "--models-dir", str(models_dir)])
    assert code == 2
    assert "not enough labelled data" in capsys.readouterr().out
    code = main(["model", "evaluate", "--warehouse", str(path), "--models-dir", str(models_dir)])
    assert code == 2  # nothing registered: a message, not a traceback


def _materialize(warehouse: Path, models_dir: Path, config_file: Path) -> dg.ExecuteInProcessResult:
    settings = CalltrackSettings(warehouse_path=str(warehouse), models_dir=str(models_dir))
    return dg.materialize(
        [call_scores, scores_use_a_registered_model, scores_not_constant],
        resources=build_resources(settings),
        run_config={"ops": {"ml__call_scores": {"config": {"config_path": str(config_file)}}}},
        instance=dg.DagsterInstance.ephemeral(),
    )


def test_asset_scores_every_call_and_its_checks_pass(
    warehouse: Path, models_dir: Path, config_file: Path, features
) -> None:
    result = _materialize(warehouse, models_dir, config_file)
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {
        "every_ended_call_scored": True,
        "scores_within_0_100": True,
        "scores_use_a_registered_model": True,
        "scores_not_constant": True,
    }
    mat = result.asset_materializations_for_node("ml__call_scores")[0]
    assert mat.metadata["calls_scored"].value == len(features)
    assert mat.metadata["trained_now"].value is True


def test_asset_without_features_table_warns(tmp_path: Path, config_file: Path) -> None:
    result = _materialize(tmp_path / "w.duckdb", tmp_path / "models", config_file)
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["every_ended_call_scored"] is False  # WARN severity: visible, not fatal
