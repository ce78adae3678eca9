"""The registry: every run in ml.model_runs, artifacts versioned on disk with metadata, and the
champion by declared metric or pin."""

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from models.config import ChampionConfig
from models.estimators import DurationRule
from models.registry import champion, open_model, record_run, save_model
from models.tables import ensure_tables
from models.train import evaluate, train, tune

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_train_records_the_run_and_versions_the_artifact(
    warehouse: Path, models_dir: Path, config
) -> None:
    with duckdb.connect(str(warehouse)) as con:
        model = train(con, config, models_dir, now=NOW)
        row = con.execute(
            "select model_version, kind, model_type, config_json, feature_set, data_window_start,"
            " data_window_end, metrics_json, artifact_path, code_version from ml.model_runs"
        ).fetchall()
    assert len(row) == 1
    version, kind, model_type, cfg, fs, start, end, metrics, artifact, code = row[0]
    assert version == model.model_version and version.startswith("test-logistic-20260601T120000Z")
    assert kind == "train" and model_type == "logistic"
    assert json.loads(cfg)["seed"] == config.seed
    assert "redacted_text" in json.loads(fs)
    assert start < end
    parsed = json.loads(metrics)
    assert {"model", "duration_rule", "logistic_no_text"} <= set(parsed)
    assert parsed["data_window"]["method"] == "weeks"
    assert Path(artifact) == model.artifact_dir
    assert code and code != "unknown"
    files = {p.name for p in model.artifact_dir.iterdir()}
    assert {"model.joblib", "metadata.json", "report.md"} <= files
    meta = json.loads((model.artifact_dir / "metadata.json").read_text())
    assert meta["model_version"] == version and len(meta["artifact_sha256"]) == 64
    report = (model.artifact_dir / "report.md").read_text()
    assert "baseline: qualified-call duration rule" in report and "ROC AUC" in report


def _register_fake(con, models_dir: Path, version: str, auc: float | None, at: datetime) -> None:
    est = DurationRule().fit(pl.DataFrame({"num__is_qualified": [0.0, 1.0]}), [0, 1])
    save_model(models_dir, version, est, {"config": {}, "fallback": auc is None}, "# r")
    record_run(
        con,
        model_version=version,
        kind="train",
        model_type="duration_rule",
        config_json="{}",
        feature_set=["is_qualified"],
        data_window=("2026-01-01", "2026-02-01"),
        metrics={"model": None if auc is None else {"roc_auc": auc, "brier": 1 - auc}},
        artifact_path=models_dir / version,
        created_at=at,
    )


def test_champion_is_best_by_declared_metric_or_pinned(tmp_path: Path) -> None:
    models_dir = tmp_path / "models"
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_tables(con)
        assert champion(con, models_dir, ChampionConfig()) is None  # nothing registered yet
        _register_fake(con, models_dir, "fallback", None, NOW)
        assert champion(con, models_dir, ChampionConfig()).model_version == "fallback"
        _register_fake(con, models_dir, "a", 0.70, NOW + timedelta(hours=1))
        _register_fake(con, models_dir, "b", 0.80, NOW + timedelta(hours=2))
        _register_fake(con, models_dir, "c", 0.75, NOW + timedelta(hours=3))
        assert champion(con, models_dir, ChampionConfig("roc_auc")).model_version == "b"
        # brier: lower is better (1 - auc here), so the same model wins
        assert champion(con, models_dir, ChampionConfig("brier")).model_version == "b"
        pinned = ChampionConfig("roc_auc", pinned_version="a")
        assert champion(con, models_dir, pinned).model_version == "a"
        assert champion(con, models_dir, ChampionConfig(), pinned_version="c").model_version == "c"
        with pytest.raises(FileNotFoundError):
            champion(con, models_dir, ChampionConfig(pinned_version="never-trained"))
        # a best model whose artifact is gone cannot serve: the next best is champion
        shutil.rmtree(models_dir / "b")
        assert champion(con, models_dir, ChampionConfig()).model_version == "c"


def test_tampered_artifact_is_refused(tmp_path: Path) -> None:
    models_dir = tmp_path / "models"
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_tables(con)
        _register_fake(con, models_dir, "a", 0.7, NOW)
    model = open_model(models_dir, "a")
    assert model.load() is not None
    with (models_dir / "a" / "model.joblib").open("ab") as fh:
        fh.write(b"x")
    with pytest.raises(RuntimeError, match="hash"):
        model.load()


def test_tune_then_evaluate_are_recorded(warehouse: Path, models_dir: Path, config) -> None:
    with duckdb.connect(str(warehouse)) as con:
        tuned = tune(con, config, models_dir, now=NOW)
        assert (tuned.artifact_dir / "config.yaml").exists()
        assert len(tuned.metadata["tuning"]) == 2  # both points of the declared space
        assert tuned.metadata["config"]["hyperparameters"]["C"] in (0.3, 1.0)
        model, report, metrics = evaluate(con, models_dir, config, now=NOW + timedelta(hours=1))
        assert model.model_version == tuned.model_version  # the champion by default
        assert report.exists() and report.parent.name == "evaluations"
        # same data, same cutoff: evaluation reproduces the tuning run's validation metrics
        assert metrics["model"]["roc_auc"] == pytest.approx(
            tuned.metadata["metrics"]["model"]["roc_auc"]
        )
        kinds = [
            r[0]
            for r in con.execute("select kind from ml.model_runs order by created_at").fetchall()
        ]
    assert kinds == ["tune", "evaluate"]
