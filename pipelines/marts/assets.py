"""Marts assets: the dbt project (every model an asset, every dbt test an asset check) and the
Google Ads offline conversion export.

The dbt models are split into two @dbt_assets definitions because the scoring asset sits in
the middle: ml/ml_call_features (and everything upstream of it) -> ml/call_scores (scoring) ->
marts/fct_calls. One definition holding both ends would be a cycle through the scoring asset.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from pipelines.marts.compaction import VACUUM_TASKS_ENV, vacuum_tasks
from pipelines.marts.google_ads_export import write_offline_conversions
from pipelines.marts.project import (
    dbt_env,
    ensure_source_tables,
    manifest_path,
    patched_environ,
)
from pipelines.marts.translator import CalltrackDbtTranslator
from pipelines.resources import CalltrackSettings, Warehouse

FEATURES_SELECT = "+ml_call_features"
EXPORT_KEY = dg.AssetKey(["exports", "google_ads_offline_conversions"])

_translator = CalltrackDbtTranslator()


def _build(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    settings: CalltrackSettings,
    warehouse: Warehouse,
) -> Iterator[Any]:
    s = settings.get()
    # The transcription and scoring tables exist (empty) before their producers first run,
    # so the marts build with nulls in those columns. The connection is closed before dbt
    # starts: dbt opens the DuckDB file in its own process and needs the lock. The run
    # compacts the tables once they carry enough replaced rows (see compaction).
    with warehouse.connect() as con:
        ensure_source_tables(con)
        compaction = {VACUUM_TASKS_ENV: vacuum_tasks(con)}
    with patched_environ({**dbt_env(s), **compaction}):
        invocation = dbt.cli(["build"], context=context)
    yield from invocation.stream()


@dbt_assets(
    manifest=manifest_path(),
    select=FEATURES_SELECT,
    dagster_dbt_translator=_translator,
    name="dbt_features",
)
def dbt_features(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    settings: CalltrackSettings,
    warehouse: Warehouse,
) -> Iterator[Any]:
    """Staging, intermediate models and ml/ml_call_features (what scoring reads)."""
    yield from _build(context, dbt, settings, warehouse)


@dbt_assets(
    manifest=manifest_path(),
    exclude=FEATURES_SELECT,
    dagster_dbt_translator=_translator,
    name="dbt_marts",
)
def dbt_marts(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    settings: CalltrackSettings,
    warehouse: Warehouse,
) -> Iterator[Any]:
    """The marts (fct_calls reads ml/call_scores) and the rest of the models."""
    yield from _build(context, dbt, settings, warehouse)


@dg.asset(
    key=EXPORT_KEY,
    deps=[dg.AssetKey(["marts", "fct_calls"]), dg.AssetKey(["marts", "dim_accounts"])],
    group_name="exports",
    description=(
        "Google Ads offline click-conversion CSVs (one per account) for converted calls whose "
        "session has a gclid."
    ),
)
def google_ads_offline_conversions(
    settings: CalltrackSettings, warehouse: Warehouse
) -> dg.MaterializeResult:
    out_dir = Path(settings.get().exports_dir)
    with warehouse.connect(read_only=True) as con:
        result = write_offline_conversions(con, out_dir)
    return dg.MaterializeResult(
        metadata={
            "rows": result.rows,
            "files": len(result.files),
            "path": dg.MetadataValue.path(str(out_dir.resolve())),
        }
    )
