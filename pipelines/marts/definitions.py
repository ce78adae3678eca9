"""Dagster definitions of the marts domain."""

import dagster as dg

defs = dg.Definitions()
