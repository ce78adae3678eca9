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

# The default's model type (calibrated logistic regression with TF-IDF): fast enough that the
# suite can train dozens of times. `FAST_TREES` overrides it for the tests of the trees.
FAST: dict[str, Any] = {
    "name": "test-logistic",
    "model_type": "logistic",
    "seed": 5,
    "hyperparameters": {"C": 0.5},
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
    "tune": {"metric": "roc_auc", "folds": 3, "space": {"C": [0.3, 1.0]}},
}
FAST_TREES: dict[str, Any] = {
    "name": "test-hgb",
    "model_type": "hist_gradient_boosting",
    "hyperparameters": {"max_iter": 30, "learning_rate": 0.15, "min_samples_leaf": 30},
}


def fast_config(**overrides: Any) -> ModelConfig:
    return config_from_dict({**FAST, **overrides})


@pytest.fixture(scope="session")
def features() -> pl.DataFrame:
    # 12 weeks: the first ~8 have complete 30-day label windows (about 1,300 calls).
    return make_features(n_calls=2000, weeks=12, seed=3)


@pytest.fixture
def config() -> ModelConfig:
    return fast_config()


@pytest.fixture
def trees_config() -> ModelConfig:
    return fast_config(**FAST_TREES)


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


@pytest.fixture(autouse=True)
def one_thread_per_worker() -> Any:
    """One OpenMP/BLAS thread per test process: CI runs two xdist workers on two cores, and
    HistGradientBoosting's OpenMP threads fighting over them made a 1 s fit take 10 s."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield
