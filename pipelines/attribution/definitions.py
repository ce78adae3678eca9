"""Dagster definitions of the attribution domain."""

import dagster as dg

defs = dg.Definitions()
