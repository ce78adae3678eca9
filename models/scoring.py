"""Scoring every ended call with the champion model, into `ml.call_scores`.

If no model is registered yet, one is trained from the given (default) config first, so the
first `calltrack run` on a fresh warehouse scores every call. If the warehouse has too little
labelled data to train honestly, the calibrated duration rule is registered as the model
instead (a fallback), and the first run with enough data trains a real one to replace it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

from models.config import ModelConfig, config_from_dict
from models.features import features_table_exists, load_features
from models.registry import RegisteredModel, champion
from models.tables import ensure_tables
from models.train import NotEnoughData, _plain, predict, train, train_fallback


@dataclass(frozen=True)
class ScoringSummary:
    model_version: str
    calls_scored: int
    trained_now: bool
    fallback: bool
    note: str | None = None


def ensure_champion(
    con: duckdb.DuckDBPyConnection,
    models_dir: str | Path,
    config: ModelConfig,
    *,
    pinned_version: str | None = None,
    now: datetime | None = None,
) -> tuple[RegisteredModel, bool, str | None]:
    """The model to score with, training one first when there is none (or only the fallback
    and enough labelled data has arrived since). Returns (model, trained_now, note)."""
    current = champion(con, models_dir, config.champion, pinned_version)
    if current is not None and (
        not current.is_fallback or pinned_version or config.champion.pinned_version
    ):
        return current, False, None
    try:
        return train(con, config, models_dir, now=now), True, None
    except NotEnoughData as exc:
        if current is not None:
            return current, False, str(exc)  # still the fallback; no need for another copy
        return train_fallback(con, config, models_dir, str(exc), now=now), True, str(exc)


def scores_0_100(probabilities: np.ndarray) -> np.ndarray:
    return np.clip(np.round(100.0 * probabilities, 2), 0.0, 100.0)


def score_calls(
    con: duckdb.DuckDBPyConnection,
    models_dir: str | Path,
    config: ModelConfig,
    *,
    pinned_version: str | None = None,
    now: datetime | None = None,
) -> ScoringSummary:
    """Replace `ml.call_scores` with a score for every row of `ml.ml_call_features`.

    A call without a transcript is scored like any other: its text features are empty strings
    and its sentiment and outcome missing, which the estimators treat as such.
    """
    now = now or datetime.now(UTC)
    ensure_tables(con)
    if not features_table_exists(con):
        raise LookupError("ml.ml_call_features does not exist: build the dbt features first")
    model, trained_now, note = ensure_champion(
        con, models_dir, config, pinned_version=pinned_version, now=now
    )
    frame = load_features(con)
    model_config = config_from_dict(_plain(model.metadata["config"]))
    probs = predict(model.load(), frame, model_config.features)
    write_scores(con, frame.get_column("call_id"), model.model_version, scores_0_100(probs), now)
    return ScoringSummary(model.model_version, len(frame), trained_now, model.is_fallback, note)


def write_scores(
    con: duckdb.DuckDBPyConnection,
    call_ids: pl.Series,
    model_version: str,
    scores: np.ndarray,
    scored_at: datetime,
) -> None:
    """Replace the table's rows in one transaction (idempotent: a rerun leaves the same rows)."""
    table = pa.table(
        {
            "call_id": call_ids.to_arrow().cast(pa.string()),
            "model_version": pa.array([model_version] * len(call_ids), pa.string()),
            "score": pa.array(scores, pa.float64()),
            "scored_at": pa.array([scored_at] * len(call_ids), pa.timestamp("us", tz="UTC")),
        }
    )
    con.register("_calltrack_new_scores", table)
    con.execute("begin transaction")
    try:
        con.execute("delete from ml.call_scores")
        con.execute(
            "insert into ml.call_scores select call_id, model_version, score, scored_at "
            "from _calltrack_new_scores"
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_calltrack_new_scores")
