"""`calltrack run`: materialize every asset in-process, in dependency order, with progress.

Assets run in waves: a wave is a run of consecutive assets (in topological order) that share a
partitions definition. An unpartitioned wave runs once; a partitioned wave runs once per
partition key that has work, as named by the asset's `PARTITION_KEYS_METADATA` entry: a dotted
path `module:function` taking `Settings` and returning the keys (e.g. the arrival days present
in the landing zone). That keeps each domain the owner of what its partitions are.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg

from pipelines.resources import CalltrackSettings, build_resources
from pipelines.settings import Settings

PARTITION_KEYS_METADATA = "calltrack/partition_keys"


@dataclass
class Wave:
    asset_keys: list[dg.AssetKey]
    partitions_def: dg.PartitionsDefinition | None
    partition_keys_fn: str | None = None


@dataclass
class RunSummary:
    runs: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def plan_waves(defs: dg.Definitions) -> list[Wave]:
    graph = defs.resolve_asset_graph()
    order = graph.toposorted_asset_keys
    waves: list[Wave] = []
    for key in order:
        node = graph.get(key)
        if not node.is_materializable:
            continue
        pdef = node.partitions_def
        fn = node.metadata.get(PARTITION_KEYS_METADATA)
        fn = fn.value if hasattr(fn, "value") else fn
        if waves and waves[-1].partitions_def == pdef and waves[-1].partition_keys_fn == fn:
            waves[-1].asset_keys.append(key)
        else:
            waves.append(Wave([key], pdef, fn))
    return waves


def _resolve(path: str) -> Callable[[Settings], list[str]]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def run_pipeline(
    settings: Settings,
    *,
    log: Callable[[str], None] = print,
    defs: dg.Definitions | None = None,
    instance: dg.DagsterInstance | None = None,
) -> RunSummary:
    """Materialize everything for `settings`; raise on the first failed run."""
    if defs is None:
        from pipelines.definitions import defs as loaded

        defs = loaded
    settings_resource = CalltrackSettings(
        landing_uri=settings.landing_uri,
        warehouse_path=settings.warehouse_path,
        dashboards_dir=settings.dashboards_dir,
        exports_dir=settings.exports_dir,
        models_dir=settings.models_dir,
    )
    # The domains' own resources (e.g. dbt) plus settings/warehouse bound to this run's settings.
    resources = {**(defs.resources or {}), **build_resources(settings_resource)}
    all_assets = list(defs.assets or []) + list(defs.asset_checks or [])
    instance = instance or dg.DagsterInstance.ephemeral()
    summary = RunSummary()
    start = time.perf_counter()
    waves = plan_waves(defs)
    for i, wave in enumerate(waves, 1):
        names = ", ".join(k.to_user_string() for k in wave.asset_keys)
        if wave.partitions_def is None:
            keys: list[str | None] = [None]
        elif wave.partition_keys_fn:
            keys = list(_resolve(wave.partition_keys_fn)(settings))
        else:
            raise RuntimeError(f"partitioned assets {names} name no {PARTITION_KEYS_METADATA}")
        if not keys:
            log(f"[{i}/{len(waves)}] {names}: nothing to do")
            continue
        for pk in keys:
            t0 = time.perf_counter()
            label = f"[{i}/{len(waves)}] {names}" + (f" @ {pk}" if pk else "")
            result = dg.materialize(
                all_assets,
                selection=wave.asset_keys,
                partition_key=pk,
                resources=resources,
                instance=instance,
                raise_on_error=False,
            )
            summary.runs += 1
            if not result.success:
                summary.failed.append(label)
                raise RuntimeError(f"{label} failed; see the log above")
            log(f"{label}: ok ({time.perf_counter() - t0:.1f}s)")
    summary.seconds = time.perf_counter() - start
    return summary
