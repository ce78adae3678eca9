"""Query checks of the scoring domain (cheap checks come back with the materialization)."""

import dagster as dg

from pipelines.resources import Warehouse
from pipelines.scoring.assets import CALL_SCORES


@dg.asset_check(
    asset=CALL_SCORES, description="every score names a model recorded in ml.model_runs"
)
def scores_use_a_registered_model(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        (unregistered,) = con.execute(
            """select count(distinct s.model_version) from ml.call_scores s
               where not exists (select 1 from ml.model_runs r
                                 where r.model_version = s.model_version)"""
        ).fetchone()
    return dg.AssetCheckResult(passed=unregistered == 0, metadata={"unregistered": unregistered})


@dg.asset_check(
    asset=CALL_SCORES,
    description="scores spread out: a model that gives every call the same score is broken "
    "(or the fallback rule on a warehouse without answered calls)",
)
def scores_not_constant(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        (distinct,) = con.execute("select count(distinct score) from ml.call_scores").fetchone()
    return dg.AssetCheckResult(
        passed=distinct != 1, severity=dg.AssetCheckSeverity.WARN, metadata={"distinct": distinct}
    )
