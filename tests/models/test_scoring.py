"""Scoring: every ended call gets a score on a fresh warehouse (training a model first), the
tiny-warehouse fallback never crashes, reruns are idempotent, calls without transcripts count."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from models.scoring import score_calls
from models.synthetic import make_features, write_features

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _scores(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return pl.from_arrow(con.execute("select * from ml.call_scores order by call_id").arrow())


def test_fresh_warehouse_trains_then_scores_every_call(
    warehouse: Path, models_dir: Path, config, features: pl.DataFrame
) -> None:
    with duckdb.connect(str(warehouse)) as con:
        first = score_calls(con, models_dir, config, now=NOW)
        assert first.trained_now and not first.fallback
        scores = _scores(con)
        assert scores["call_id"].sort().to_list() == features["call_id"].sort().to_list()
        assert scores["score"].min() >= 0 and scores["score"].max() <= 100
        assert scores["score"].n_unique() > 10
        assert set(scores["model_version"]) == {first.model_version}
        # calls without a transcript are scored too, and not all alike
        no_text = set(features.filter(pl.col("redacted_text").is_null())["call_id"])
        assert no_text and no_text <= set(scores["call_id"])
        # a rerun reuses the champion (no second training) and leaves the same rows
        second = score_calls(con, models_dir, config, now=NOW + timedelta(hours=1))
        assert not second.trained_now and second.model_version == first.model_version
        again = _scores(con)
        assert again.drop("scored_at").equals(scores.drop("scored_at"))
        (runs,) = con.execute("select count(*) from ml.model_runs").fetchone()
    assert runs == 1


def test_tiny_warehouse_falls_back_to_the_duration_rule(
    tmp_path: Path, models_dir: Path, config
) -> None:
    tiny = make_features(n_calls=40, weeks=1, seed=9)  # no 30-day window has passed
    with duckdb.connect(str(tmp_path / "tiny.duckdb")) as con:
        write_features(con, tiny)
        summary = score_calls(con, models_dir, config, now=NOW)
        assert summary.fallback and summary.trained_now
        assert "complete 30-day" in (summary.note or "")
        scores = _scores(con)
        assert len(scores) == 40
        # qualified calls score above the others: the rule, with its Beta priors
        joined = scores.join(tiny.select("call_id", "is_qualified"), on="call_id")
        qualified = joined.filter(pl.col("is_qualified"))["score"]
        other = joined.filter(~pl.col("is_qualified"))["score"]
        assert qualified.min() > other.max()
        (kind, metrics) = con.execute("select kind, metrics_json from ml.model_runs").fetchone()
        assert kind == "train" and '"fallback": true' in metrics
        # still too little data: the fallback is reused, not registered again
        again = score_calls(con, models_dir, config, now=NOW + timedelta(hours=1))
        assert again.model_version == summary.model_version and not again.trained_now


def test_fallback_is_replaced_once_enough_labelled_data_arrives(
    tmp_path: Path, models_dir: Path, config, features: pl.DataFrame
) -> None:
    path = tmp_path / "growing.duckdb"
    with duckdb.connect(str(path)) as con:
        write_features(con, features.head(30))
        fallback = score_calls(con, models_dir, config, now=NOW)
        assert fallback.fallback
        write_features(con, features)
        real = score_calls(con, models_dir, config, now=NOW + timedelta(days=1))
    assert real.trained_now and not real.fallback
    assert real.model_version != fallback.model_version
    assert real.calls_scored == len(features)


def test_missing_feature_table_is_reported(tmp_path: Path, models_dir: Path, config) -> None:
    with (
        duckdb.connect(str(tmp_path / "empty.duckdb")) as con,
        pytest.raises(LookupError, match="ml_call_features"),
    ):
        score_calls(con, models_dir, config, now=NOW)
