"""Integration on the real pipeline output: the simulator's `small_landing`, loaded by ingestion,
attributed, and built by dbt up to `ml.ml_call_features` (transcription is left out: its tables
exist empty, so every call here has no transcript — which scoring must handle).

Leakage: conversions that arrive after the calls ended, within their 30-day window, may change
the labels and nothing else of the feature table.
"""

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.contract import FEEDS
from ingest.load import load_landing
from ingest.warehouse import connect
from models.features import LABEL_COLUMNS, load_features
from models.scoring import score_calls
from models.tables import ensure_tables as ensure_ml_tables
from pipelines.attribution.engine import run_attribution
from pipelines.marts.cli import run_dbt
from pipelines.settings import Settings
from transcribe.tables import ensure_tables as ensure_transcript_tables

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.xdist_group("models-pipeline")]

SECRET = "models-test-secret"


def build_features(landing: Path, warehouse: Path) -> pl.DataFrame:
    """Ingest whatever is new in `landing`, attribute, and (re)build ml_call_features."""
    con = connect(warehouse)
    try:
        load_landing(con, landing)
        run_attribution(con, SECRET)
        ensure_transcript_tables(con)
        ensure_ml_tables(con)
    finally:
        con.close()  # dbt needs the file lock
    settings = Settings.from_env(warehouse_path=str(warehouse))
    assert run_dbt(["run", "--select", "+ml_call_features", "--quiet"], settings) == 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return load_features(con).sort("call_id")


def late_conversions(features: pl.DataFrame, n: int = 25) -> pa.Table:
    """CRM conversions, linked by call_id, recorded a day after calls that had none."""
    chosen = features.filter(~pl.col("label_converted_30d")).head(n)
    assert len(chosen) == n
    ended = chosen["ended_at"].to_list()
    return pa.Table.from_pylist(
        [
            {
                "account_id": account,
                "schema_version": 1,
                "event_id": f"models-test-late-{i}",
                "event_type": "conversion.recorded",
                "occurred_at": end.replace(tzinfo=dt.UTC) + dt.timedelta(days=1),
                "conversion_type": "sale",
                "call_id": call_id,
                "caller_number": None,
                "value": Decimal("120.00"),
                "currency": "USD",
            }
            for i, (account, call_id, end) in enumerate(
                zip(chosen["account_id"], chosen["call_id"], ended, strict=True)
            )
        ],
        schema=FEEDS["conversions"].schema,
    )


@pytest.fixture(scope="module")
def builds(small_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("models_pipeline")
    landing = root / "landing"
    shutil.copytree(small_landing, landing)
    warehouse = root / "warehouse.duckdb"
    before = build_features(landing, warehouse)
    late = late_conversions(before)
    # a later arrival day: the event-sourced way facts about old calls come in
    arrival = landing / "conversions" / "dt=2026-11-20"
    arrival.mkdir(parents=True)
    pq.write_table(late, arrival / "late.parquet")
    after = build_features(landing, warehouse)
    return {"before": before, "after": after, "late": late, "warehouse": warehouse, "root": root}


def test_features_exist_for_every_ended_call(builds: dict) -> None:
    before = builds["before"]
    assert len(before) > 100
    assert before["call_id"].is_unique().all()
    with duckdb.connect(str(builds["warehouse"]), read_only=True) as con:
        (ended,) = con.execute(
            "select count(distinct call_id) from raw.call_events where event_type = 'call.ended'"
        ).fetchone()
    assert len(before) == ended


def test_later_conversions_change_labels_only(builds: dict) -> None:
    before, after = builds["before"], builds["after"]
    late_ids = set(builds["late"]["call_id"].to_pylist())
    # the new facts reached the table (else this test would prove nothing) ...
    flipped = before.join(after, on="call_id", suffix="_after").filter(
        pl.col("label_converted_30d") != pl.col("label_converted_30d_after")
    )
    assert set(flipped["call_id"]) == late_ids
    # ... and every feature column of every call is unchanged
    assert after.drop(*LABEL_COLUMNS).equals(before.drop(*LABEL_COLUMNS))


def test_every_real_call_is_scored_by_the_fallback(builds: dict, config) -> None:
    # 7 days of data: no 30-day label window has passed, so no model can be trained honestly
    features = builds["after"]
    assert not features["label_window_complete"].any()
    with duckdb.connect(str(builds["warehouse"])) as con:
        summary = score_calls(con, builds["root"] / "models", config)
        scores = pl.from_arrow(con.execute("select * from ml.call_scores").arrow())
    assert summary.fallback and summary.calls_scored == len(features)
    assert set(scores["call_id"]) == set(features["call_id"])
    assert scores["score"].is_between(0, 100).all()
    # no transcript here (transcription left out), yet qualified calls outrank the others
    joined = scores.join(features.select("call_id", "is_qualified"), on="call_id")
    assert (
        joined.filter(pl.col("is_qualified"))["score"].min()
        > joined.filter(~pl.col("is_qualified"))["score"].max()
    )
