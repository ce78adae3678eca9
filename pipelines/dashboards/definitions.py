"""Dagster definitions of the dashboards domain."""

import dagster as dg

defs = dg.Definitions()
