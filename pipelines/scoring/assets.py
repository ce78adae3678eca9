"""The scoring asset: the champion model scores every ended call into `ml.call_scores`.

Thin on purpose: the work is in `models.scoring` (plain, tested without Dagster).
"""

# No `from __future__ import annotations`: Dagster reads the config and resource annotations
# at definition time.
import dagster as dg

from models.config import DEFAULT_CONFIG_PATH, load_config
from models.features import features_table_exists
from models.scoring import score_calls
from models.tables import ensure_tables
from pipelines.resources import CalltrackSettings, Warehouse

CALL_SCORES = dg.AssetKey(["ml", "call_scores"])
ML_CALL_FEATURES = dg.AssetKey(["ml", "ml_call_features"])


class ScoringConfig(dg.Config):
    """Run config of the scoring asset (the defaults are what `calltrack run` uses)."""

    config_path: str = DEFAULT_CONFIG_PATH  # the model trained when none is registered yet
    pinned_version: str | None = None  # score with this version instead of the champion


@dg.asset(
    key=CALL_SCORES,
    deps=[ML_CALL_FEATURES],
    group_name="scoring",
    kinds={"duckdb", "scikit-learn"},
    description=(
        "Score 0-100 (calibrated likelihood to convert within 30 days) for every ended call of "
        "ml.ml_call_features, by the champion model. With no model registered yet it trains one "
        "from models/configs/default.yaml; with too little labelled data it registers the "
        "calibrated duration rule as a fallback model."
    ),
    check_specs=[
        dg.AssetCheckSpec("every_ended_call_scored", asset=CALL_SCORES),
        dg.AssetCheckSpec("scores_within_0_100", asset=CALL_SCORES),
    ],
)
def call_scores(
    context: dg.AssetExecutionContext,
    config: ScoringConfig,
    settings: CalltrackSettings,
    warehouse: Warehouse,
) -> dg.MaterializeResult:
    s = settings.get()
    model_config = load_config(config.config_path)
    with warehouse.connect() as con:
        ensure_tables(con)
        if not features_table_exists(con):
            # The features are a dbt model; without them there is nothing to score, and the
            # empty ml.call_scores keeps fct_calls.call_score null instead of failing the run.
            context.log.warning("ml.ml_call_features does not exist yet; no call scored")
            return dg.MaterializeResult(
                metadata={"calls_scored": 0, "features_table": "missing"},
                check_results=[
                    dg.AssetCheckResult(
                        check_name="every_ended_call_scored",
                        passed=False,
                        severity=dg.AssetCheckSeverity.WARN,
                        metadata={"reason": "ml.ml_call_features does not exist"},
                    ),
                    dg.AssetCheckResult(check_name="scores_within_0_100", passed=True),
                ],
            )
        summary = score_calls(con, s.models_dir, model_config, pinned_version=config.pinned_version)
        features, scored, out_of_range = con.execute(
            """select (select count(*) from ml.ml_call_features),
                      (select count(*) from ml.call_scores),
                      (select count(*) from ml.call_scores where score < 0 or score > 100)"""
        ).fetchone()
    if summary.note:
        context.log.warning(summary.note)
    return dg.MaterializeResult(
        metadata={
            "model_version": summary.model_version,
            "calls_scored": summary.calls_scored,
            "trained_now": summary.trained_now,
            "fallback_model": summary.fallback,
            "note": summary.note or "",
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="every_ended_call_scored",
                passed=features == scored,
                metadata={"feature_rows": features, "scores": scored},
            ),
            dg.AssetCheckResult(
                check_name="scores_within_0_100",
                passed=out_of_range == 0,
                metadata={"out_of_range": out_of_range},
            ),
        ],
    )
