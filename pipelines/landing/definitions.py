"""Dagster definitions of the landing domain: raw/<feed> assets, their checks, a sensor and a
daily schedule. Resources (`settings`, `warehouse`) come from pipelines/definitions.py."""

import dagster as dg

from pipelines.landing.assets import RAW_ASSETS
from pipelines.landing.schedules import landing_daily_job, landing_daily_schedule
from pipelines.landing.sensors import landing_new_files

defs = dg.Definitions(
    assets=RAW_ASSETS,
    jobs=[landing_daily_job],
    schedules=[landing_daily_schedule],
    sensors=[landing_new_files],
)
