"""The single Dagster entry point (workspace.yaml loads it). No business logic here: it merges
the domains' definitions and adds the cross-cutting resources and executor."""

import dagster as dg

from pipelines.attribution.definitions import defs as attribution_defs
from pipelines.dashboards.definitions import defs as dashboards_defs
from pipelines.landing.definitions import defs as landing_defs
from pipelines.marts.definitions import defs as marts_defs
from pipelines.resources import build_resources
from pipelines.scoring.definitions import defs as scoring_defs
from pipelines.transcription.definitions import defs as transcription_defs

defs = dg.Definitions.merge(
    landing_defs,
    attribution_defs,
    transcription_defs,
    marts_defs,
    scoring_defs,
    dashboards_defs,
    dg.Definitions(
        resources=build_resources(),
        # DuckDB has one writer per file: steps of a run go one at a time; see README
        # ("Dagster UI") for the run-queue limit that keeps runs from waiting on the lock.
        executor=dg.in_process_executor,
    ),
)
