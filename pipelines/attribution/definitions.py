"""Dagster definitions of the attribution domain."""

import dagster as dg

from pipelines.attribution.assets import attribution_tables
from pipelines.attribution.checks import CHECKS

defs = dg.Definitions(assets=[attribution_tables], asset_checks=CHECKS)
