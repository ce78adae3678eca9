"""Maps dbt sources and models to the asset keys of docs/architecture.md ("Asset keys"), so the
Dagster UI shows one lineage graph from the landing zone to the dashboards."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

# Source tables that are written by another table's asset.
_SOURCE_ALIASES = {
    ("transcripts", "segments"): ("transcripts", "call_transcripts"),
}
_CURRENT_SUFFIX = "_current"


def source_asset_key(source_name: str, table: str) -> dg.AssetKey:
    """raw.<feed> and raw.<feed>_current -> raw/<feed>; transcripts.segments ->
    transcripts/call_transcripts; any other schema.table -> schema/table."""
    if (source_name, table) in _SOURCE_ALIASES:
        return dg.AssetKey(list(_SOURCE_ALIASES[(source_name, table)]))
    if source_name == "raw" and table.endswith(_CURRENT_SUFFIX):
        table = table[: -len(_CURRENT_SUFFIX)]
    return dg.AssetKey([source_name, table])


def model_asset_key(fqn: list[str]) -> dg.AssetKey:
    """A model's key is <top folder>/<model>: marts/fct_calls, ml/ml_call_features."""
    # fqn = [project, folder, (subfolders...), model]
    folder = fqn[1] if len(fqn) > 2 else "dbt"
    return dg.AssetKey([folder, fqn[-1]])


class CalltrackDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return source_asset_key(dbt_resource_props["source_name"], dbt_resource_props["name"])
        return model_asset_key(list(dbt_resource_props["fqn"]))

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return None
        fqn = dbt_resource_props["fqn"]
        return f"dbt_{fqn[1]}" if len(fqn) > 2 else "dbt"
