"""Attribution assets: one multi-asset that brings the attribution tables up to date.

Thin: the work is `pipelines.attribution.engine.run_attribution`. The tables are written in one
transaction, so they are one multi-asset (a call's row, its touches and the sessions they point
at always agree). Unpartitioned and incremental: the engine keeps a watermark of raw `_load_id`.
"""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from pipelines.attribution import engine
from pipelines.resources import CalltrackSettings, Warehouse

RAW_DEPS = [
    dg.AssetKey(["raw", feed])
    for feed in (
        "dni_beacons",
        "call_events",
        "tracking_numbers",
        "accounts",
        "ad_clicks",
        "conversions",
    )
]
SESSIONS = dg.AssetKey(["attribution", "sessions"])
NUMBER_ASSIGNMENTS = dg.AssetKey(["attribution", "number_assignments"])
CALL_ATTRIBUTION = dg.AssetKey(["attribution", "call_attribution"])
TOUCHES = dg.AssetKey(["attribution", "touches"])
CONVERSION_CALLER_KEYS = dg.AssetKey(["attribution", "conversion_caller_keys"])
DELETED_SESSIONS = dg.AssetKey(["attribution", "deleted_sessions"])

_DESCRIPTIONS = {
    SESSIONS: "Website sessions from DNI beacons: landing fields, channel, keyword.",
    NUMBER_ASSIGNMENTS: "Pool numbers handed to sessions, held until the session times out.",
    CALL_ATTRIBUTION: "One row per call: static/matched/ambiguous/unattributed, source, keyword.",
    TOUCHES: "Multi-touch weights per call and model (first, last, linear, decay, position).",
    CONVERSION_CALLER_KEYS: "Conversions' caller numbers as keyed hashes, never the number.",
    DELETED_SESSIONS: "Sessions a run removed (their beacons are gone), for the marts to drop.",
}
_DEPS = {
    SESSIONS: RAW_DEPS[:1] + [dg.AssetKey(["raw", "accounts"]), dg.AssetKey(["raw", "ad_clicks"])],
    NUMBER_ASSIGNMENTS: [dg.AssetKey(["raw", "dni_beacons"]), dg.AssetKey(["raw", "accounts"])],
    CALL_ATTRIBUTION: RAW_DEPS,
    TOUCHES: RAW_DEPS,
    CONVERSION_CALLER_KEYS: [dg.AssetKey(["raw", "conversions"])],
    DELETED_SESSIONS: [dg.AssetKey(["raw", "dni_beacons"])],
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(key, deps=_DEPS[key], description=_DESCRIPTIONS[key], group_name="attribution")
        for key in _DESCRIPTIONS
    ],
    can_subset=False,
)
def attribution_tables(
    context: dg.AssetExecutionContext, settings: CalltrackSettings, warehouse: Warehouse
) -> Iterator[dg.MaterializeResult]:
    s = settings.get()
    if s.uses_dev_secret:
        context.log.warning(
            "caller_key uses the development secret; set CALLTRACK_CALLER_KEY_SECRET in production"
        )
    with warehouse.connect() as con:
        stats = engine.run_attribution(con, s.caller_key_secret)
        q = engine.quality(con)
        # A simulated landing zone carries its ground truth: report accuracy against it.
        truth = Path(s.landing_uri) / "_truth" / "calls.parquet"
        accuracy = (
            engine.accuracy_vs_truth(con, str(truth))
            if not s.landing_is_s3 and truth.is_file()
            else {}
        )
        counts = {
            key: engine.row_count(con, f"attribution.{key.path[-1]}") for key in _DESCRIPTIONS
        }
    context.log.info(f"attribution {stats.mode} ({stats.reason}): {stats.seconds}")
    run_meta = {
        "mode": stats.mode,
        "reason": stats.reason,
        "sessions_recomputed": stats.sessions_recomputed,
        "calls_recomputed": stats.calls_recomputed,
        "seconds": dg.MetadataValue.json(stats.seconds),
    }
    for key in _DESCRIPTIONS:
        meta: dict[str, object] = {"dagster/row_count": counts[key], **run_meta}
        if key == CALL_ATTRIBUTION:
            meta.update(
                {
                    "pool_calls": q.pool_calls,
                    "matched": q.matched,
                    "ambiguous": q.ambiguous,
                    "coverage": dg.MetadataValue.float(q.coverage or 0.0),
                    "ambiguity_rate": dg.MetadataValue.float(q.ambiguity_rate or 0.0),
                    **{f"truth/{k}": v for k, v in accuracy.items()},
                }
            )
        yield dg.MaterializeResult(asset_key=key, metadata=meta)
