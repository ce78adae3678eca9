"""Dagster definitions of the landing domain."""

import dagster as dg

defs = dg.Definitions()
