"""The dashboards on real dbt marts: the marts domain's hand-made warehouse
(tests/marts/warehouse_fixture.py: two currencies, a pool that runs out, restated and offline
spend) is built by the real dbt assets, then the `dashboards/site` asset runs on it in the same
Dagster materialization, as `calltrack run` does. Every page is then checked in Chromium."""

from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from playwright.sync_api import Browser

from pipelines.dashboards.assets import MART_DEPS, dashboards_site
from pipelines.marts.assets import dbt_features, dbt_marts
from pipelines.marts.project import dbt_resource
from pipelines.resources import CalltrackSettings, build_resources

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "marts"))
import warehouse_fixture  # noqa: E402
from pagecheck import check_loads, check_tiles, collect  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.xdist_group("dashboards_real")]


@pytest.fixture(scope="module")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("dash_real")
    warehouse = warehouse_fixture.build(root / "warehouse.duckdb")
    out = root / "dashboards"
    resources = build_resources(
        CalltrackSettings(
            warehouse_path=str(warehouse), dashboards_dir=str(out), exports_dir=str(root / "x")
        )
    )
    result = dg.materialize(
        [dbt_features, dbt_marts, dashboards_site],
        resources={**resources, "dbt": dbt_resource()},
        raise_on_error=False,
    )
    return {"result": result, "warehouse": warehouse, "out": out}


def test_dashboards_on_real_marts(
    browser: Browser, real_site: dict[str, object], subtests: pytest.Subtests
) -> None:
    """One test with subtests over one dbt build (split into tests, xdist could build twice)."""
    with subtests.test("the dashboards/site asset runs after the real marts"):
        _asset_runs_after_the_marts(real_site)
    with subtests.test("every page loads, renders and its tiles equal the marts"):
        _pages_load_render_and_match(browser, real_site)


def _asset_runs_after_the_marts(real_site: dict[str, object]) -> None:
    result = real_site["result"]
    assert isinstance(result, dg.ExecuteInProcessResult)
    key = dg.AssetKey(["dashboards", "site"])
    materialized = [e.asset_key for e in result.get_asset_materialization_events()]
    assert key in materialized
    # it came after every mart it reads
    for dep in MART_DEPS:
        assert dep in materialized and materialized.index(dep) < materialized.index(key), dep
    [event] = [
        e for e in result.get_asset_materialization_events() if e.asset_key == key
    ]  # fmt: skip
    index = Path(real_site["out"]) / "index.html"  # type: ignore[arg-type]
    metadata = event.step_materialization_data.materialization.metadata
    assert metadata["index"].value == str(index.resolve())
    assert index.exists()


def _pages_load_render_and_match(browser: Browser, real_site: dict[str, object]) -> None:
    out = Path(real_site["out"])  # type: ignore[arg-type]
    site = sorted(out.glob("*.html"), key=lambda p: (p.name != "index.html", p.name))
    site.append(out / "plotly.min.js")
    facts = collect(browser, site)
    check_loads(site, facts)
    con = duckdb.connect(str(real_site["warehouse"]), read_only=True)
    try:
        check_tiles(facts["index.html"], con, None)
        accounts = [f for name, f in facts.items() if name.startswith("account-")]
        assert len(accounts) >= 2
        for f in accounts:
            check_tiles(f, con, f.attrs["accountId"])
        # accounts in two currencies: the overview's money is one line per currency
        (n_currencies,) = con.execute(
            "select count(distinct currency) from marts.dim_accounts"
        ).fetchone()
        assert n_currencies >= 2
        cost_lines = [t["currency"] for t in facts["index.html"].tiles if t["kpi"] == "spend"]
        assert len(cost_lines) == len(set(cost_lines)) >= 1 and None not in cost_lines
    finally:
        con.close()
