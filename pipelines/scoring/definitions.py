"""Dagster definitions of the scoring domain."""

import dagster as dg

defs = dg.Definitions()
