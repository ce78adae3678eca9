"""`calltrack run` plans waves in dependency order and runs partitioned waves per key."""

from pathlib import Path

import dagster as dg

from pipelines.runner import PARTITION_KEYS_METADATA, plan_waves, run_pipeline
from pipelines.settings import Settings

DAYS = dg.DailyPartitionsDefinition(start_date="2026-01-01", end_offset=1)
CALLS: list[str] = []


def toy_partition_keys(settings: Settings) -> list[str]:
    return ["2026-01-02", "2026-01-03"]


@dg.asset(
    partitions_def=DAYS,
    metadata={PARTITION_KEYS_METADATA: f"{__name__}:toy_partition_keys"},
)
def landed(context: dg.AssetExecutionContext) -> None:
    CALLS.append(f"landed@{context.partition_key}")


@dg.asset(deps=[landed])
def derived() -> None:
    CALLS.append("derived")


@dg.asset(deps=[derived])
def report() -> None:
    CALLS.append("report")


def test_waves_follow_dependencies_and_group_by_partitioning() -> None:
    waves = plan_waves(dg.Definitions(assets=[landed, derived, report]))
    assert [[k.to_user_string() for k in w.asset_keys] for w in waves] == [
        ["landed"],
        ["derived", "report"],
    ]
    assert waves[0].partitions_def == DAYS
    assert waves[1].partitions_def is None


def test_run_pipeline_runs_each_partition_then_downstream(tmp_path: Path) -> None:
    CALLS.clear()
    lines: list[str] = []
    settings = Settings.from_env({}, warehouse_path=str(tmp_path / "w.duckdb"))
    summary = run_pipeline(
        settings, log=lines.append, defs=dg.Definitions(assets=[landed, derived, report])
    )
    assert CALLS == ["landed@2026-01-02", "landed@2026-01-03", "derived", "report"]
    assert summary.runs == 3 and not summary.failed
    assert any("@ 2026-01-03" in line for line in lines)  # progress names the partition


def test_settings_from_env_and_overrides() -> None:
    env = {"CALLTRACK_LANDING_URI": "s3://bucket/landing", "AWS_DEFAULT_REGION": "eu-west-1"}
    s = Settings.from_env(env, warehouse_path="w.duckdb", dashboards_dir=None)
    assert s.landing_uri == "s3://bucket/landing" and s.landing_is_s3
    assert s.s3_region == "eu-west-1"
    assert s.warehouse_path == "w.duckdb"  # explicit override wins
    assert s.dashboards_dir == "data/dashboards"  # None means "not given": default stays
    assert Settings.from_env({}).uses_dev_secret
