"""Dagster definitions of the dashboards domain."""

import dagster as dg

from pipelines.dashboards.assets import dashboards_site

defs = dg.Definitions(assets=[dashboards_site])
