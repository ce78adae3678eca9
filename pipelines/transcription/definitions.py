"""Dagster definitions of the transcription domain."""

import dagster as dg

defs = dg.Definitions()
