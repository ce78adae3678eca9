"""Fixtures of the scoring tests: a synthetic feature table (models/synthetic.py) standing in
for the dbt model `ml.ml_call_features`, and small, fast model configs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from models.config import ModelConfig, config_from_dict
from models.synthetic import make_features, write_features

FAST_HGB: dict[str, Any] = {
    "name": "test-hgb",
    "model_type": "hist_gradient_boosting",
    "seed": 5,
    "hyperparameters": {"max_iter": 60, "learning_rate": 0.1, "min_samples_leaf": 30},
    "calibration": "isotonic",
    "features": {
        "numeric": [
            "talk_seconds",
            "ring_seconds",
            "is_answered",
            "is_first_time_caller",
            "sentiment_caller",
            "is_qualified",
        ],
        "categorical": ["channel", "transcript_status", "outcome"],
        "text": ["redacted_text", "spotted_keywords"],
        "text_svd_components": 8,
        "text_max_features": 300,
    },
    "split": {"validation_weeks": 2},
    "tune": {"metric": "roc_auc", "folds": 3, "space": {"max_leaf_nodes": [7, 15]}},
}


def fast_config(**overrides: Any) -> ModelConfig:
    return config_from_dict({**FAST_HGB, **overrides})


@pytest.fixture(scope="session")
def features() -> pl.DataFrame:
    # 12 weeks: the first ~8 have complete 30-day label windows (about 1,300 calls).
    return make_features(n_calls=2000, weeks=12, seed=3)


@pytest.fixture
def config() -> ModelConfig:
    return fast_config()


@pytest.fixture
def make_config() -> Any:
    """`make_config(**overrides)`: the fast test config with top-level keys replaced."""
    return fast_config


@pytest.fixture
def warehouse(tmp_path: Path, features: pl.DataFrame) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        write_features(con, features)
    return path


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    return tmp_path / "models"


@pytest.fixture(scope="session")
def fitted(features: pl.DataFrame) -> Any:
    """One fit of the fast config on the fixture table, shared by the tests that only read it."""
    from models.train import fit_and_evaluate

    return fit_and_evaluate(features, fast_config())
