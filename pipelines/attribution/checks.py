"""Asset checks of the attribution tables (query checks; they read the warehouse read-only).

Broken invariants block downstream assets (dbt marts must not count a call twice or credit more
than the whole call); coverage is a soft expectation and warns.
"""

import dagster as dg

from pipelines.attribution import engine
from pipelines.attribution.assets import CALL_ATTRIBUTION, TOUCHES
from pipelines.resources import Warehouse

# Below this share of pool calls matched to a session the pool is probably too small (numbers
# recycled while sessions still hold them) or the snippet is losing beacons.
COVERAGE_WARN_BELOW = 0.8


@dg.asset_check(asset=CALL_ATTRIBUTION, blocking=True, description="Exactly one row per call_id.")
def one_row_per_call(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        q = engine.quality(con)
    return dg.AssetCheckResult(
        passed=q.duplicate_call_rows == 0,
        metadata={"calls": q.calls, "duplicate_rows": q.duplicate_call_rows},
    )


@dg.asset_check(
    asset=TOUCHES,
    blocking=True,
    description="Weights of each call and model sum to 1; every attributed call has all models.",
)
def weights_sum_to_one(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        q = engine.quality(con)
        missing = engine.calls_missing_touches(con)
    return dg.AssetCheckResult(
        passed=q.bad_weight_groups == 0 and missing == 0,
        metadata={
            "groups_not_summing_to_1": q.bad_weight_groups,
            "attributed_calls_missing_models": missing,
            "tolerance": engine.WEIGHT_TOLERANCE,
        },
    )


@dg.asset_check(
    asset=CALL_ATTRIBUTION,
    blocking=True,
    description="No call is credited to a session that got the number after the call started.",
)
def no_match_before_assignment(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        bad = engine.matched_before_assignment(con)
    return dg.AssetCheckResult(passed=bad == 0, metadata={"calls": bad})


@dg.asset_check(
    asset=CALL_ATTRIBUTION,
    description=f"Share of pool calls matched to a session (warns below {COVERAGE_WARN_BELOW}).",
)
def pool_coverage(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        q = engine.quality(con)
    coverage = q.coverage
    return dg.AssetCheckResult(
        passed=coverage is None or coverage >= COVERAGE_WARN_BELOW,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "coverage": dg.MetadataValue.float(coverage if coverage is not None else 1.0),
            "ambiguity_rate": dg.MetadataValue.float(q.ambiguity_rate or 0.0),
            "pool_calls": q.pool_calls,
            "unattributed_pool_calls": q.unattributed_pool,
            "warn_below": COVERAGE_WARN_BELOW,
        },
    )


CHECKS = [one_row_per_call, weights_sum_to_one, no_match_before_assignment, pool_coverage]
