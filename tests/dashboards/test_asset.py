"""The dashboards asset is wired as docs/architecture.md says."""

from __future__ import annotations

import dagster as dg

from pipelines.dashboards.assets import MART_DEPS
from pipelines.dashboards.definitions import defs
from pipelines.definitions import defs as all_defs
from pipelines.resources import build_resources

SITE = dg.AssetKey(["dashboards", "site"])


def test_site_asset_depends_on_every_mart_it_reads() -> None:
    graph = all_defs.resolve_asset_graph()
    assert SITE in graph.get_all_asset_keys()
    parents = graph.get(SITE).parent_keys
    assert set(MART_DEPS) <= parents
    # the marts domain defines these keys: the site hangs off real dbt assets, not stubs
    assert all(graph.get(k).is_materializable for k in MART_DEPS)


def test_domain_definitions_load_with_the_shared_resources() -> None:
    # the domain's defs name only the `settings` resource, which the entry point provides
    dg.Definitions.validate_loadable(
        dg.Definitions.merge(defs, dg.Definitions(resources=build_resources()))
    )
