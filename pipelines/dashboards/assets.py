"""The dashboards asset: a few lines around `dashboards.build_dashboards`."""

from pathlib import Path

import dagster as dg

from dashboards import build_dashboards
from dashboards.queries import REQUIRED_TABLES
from pipelines.resources import CalltrackSettings

# The marts the pages read (docs/architecture.md, "Marts"). Declared as deps so the site is
# rebuilt after them; it reads them from the warehouse file, not through an IO manager.
MART_DEPS = [dg.AssetKey(["marts", model]) for model in REQUIRED_TABLES]


@dg.asset(
    key=dg.AssetKey(["dashboards", "site"]),
    deps=MART_DEPS,
    group_name="dashboards",
    kinds={"html", "plotly"},
    description="Static HTML dashboards for leadership, built from the marts only.",
)
def dashboards_site(
    context: dg.AssetExecutionContext, settings: CalltrackSettings
) -> dg.MaterializeResult:
    s = settings.get()
    files = build_dashboards(s.warehouse_path, s.dashboards_dir, log=context.log.info)
    index = Path(s.dashboards_dir) / "index.html"
    return dg.MaterializeResult(
        metadata={
            "index": dg.MetadataValue.path(str(index.resolve())),
            "pages": len([f for f in files if f.suffix == ".html"]),
            "bytes": sum(f.stat().st_size for f in files),
        }
    )
