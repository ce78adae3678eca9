"""Unit tests of the marts domain's plain functions: asset keys of dbt sources and models,
export file names, manifest staleness."""

import os
import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines.marts.google_ads_export import export_file_name
from pipelines.marts.project import DBT_PROJECT_DIR, dbt_env, dbt_project, manifest_is_stale
from pipelines.marts.translator import model_asset_key, source_asset_key
from pipelines.settings import Settings


@pytest.mark.parametrize(
    ("source", "table", "key"),
    [
        ("raw", "call_events", ["raw", "call_events"]),  # append-only raw table: its feed
        ("raw", "ad_spend_current", ["raw", "ad_spend"]),  # current view: the same feed asset
        ("raw", "accounts_current", ["raw", "accounts"]),
        ("attribution", "call_attribution", ["attribution", "call_attribution"]),
        # segments are written by the call_transcripts asset
        ("transcripts", "segments", ["transcripts", "call_transcripts"]),
        ("transcripts", "call_transcripts", ["transcripts", "call_transcripts"]),
        ("ml", "call_scores", ["ml", "call_scores"]),
        # only raw views are folded: another schema's *_current table keeps its name
        ("attribution", "x_current", ["attribution", "x_current"]),
    ],
)
def test_source_asset_keys(source: str, table: str, key: list[str]) -> None:
    assert source_asset_key(source, table) == dg.AssetKey(key)


@pytest.mark.parametrize(
    ("fqn", "key"),
    [
        (["calltrack", "marts", "calls", "fct_calls"], ["marts", "fct_calls"]),
        (["calltrack", "ml", "ml_call_features"], ["ml", "ml_call_features"]),
        (
            ["calltrack", "staging", "raw", "stg_raw__call_events"],
            ["staging", "stg_raw__call_events"],
        ),
    ],
)
def test_model_asset_keys(fqn: list[str], key: list[str]) -> None:
    assert model_asset_key(fqn) == dg.AssetKey(key)


def test_export_file_name_is_safe_for_any_account_id() -> None:
    assert export_file_name("acct_ny") == "google_ads_offline_conversions_acct_ny.csv"
    # an id from data cannot climb out of the exports folder
    name = export_file_name("../../etc/passwd")
    assert "/" not in name and name.endswith(".csv")


def test_dbt_env_passes_an_absolute_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = dbt_env(Settings(warehouse_path="data/w.duckdb", dbt_target="ci"))
    assert env["CALLTRACK_WAREHOUSE"] == str(tmp_path / "data" / "w.duckdb")
    assert env["CALLTRACK_DBT_TARGET"] == "ci"


def test_manifest_staleness(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "models").mkdir(parents=True)
    (project / "target").mkdir()
    model = project / "models" / "m.sql"
    model.write_text("select 1")
    manifest = project / "target" / "manifest.json"
    assert manifest_is_stale(manifest, project)  # missing: fresh clone
    manifest.write_text("{}")
    future = time.time() + 10
    os.utime(manifest, (future, future))
    assert not manifest_is_stale(manifest, project)
    os.utime(model, (future + 10, future + 10))  # a model edited after the parse
    assert manifest_is_stale(manifest, project)


def test_dagster_manifest_apart_from_the_cli_target() -> None:
    # `calltrack dbt`, dbt by hand and the tests write dbt_project/target/manifest.json; a code
    # location loading Dagster's manifest while one of them rewrote it read a truncated file
    cli_manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    assert dbt_project.manifest_path != cli_manifest
    assert dbt_project.manifest_path.is_relative_to(DBT_PROJECT_DIR / "target")
