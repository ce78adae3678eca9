"""A daily schedule: load the day's arrivals once a day (a backstop for the sensor)."""

from __future__ import annotations

import dagster as dg

from pipelines.landing.assets import RAW_KEYS
from pipelines.landing.partitions import ARRIVAL_DAYS

landing_daily_job = dg.define_asset_job(
    "landing_daily",
    selection=dg.AssetSelection.assets(*RAW_KEYS),
    partitions_def=ARRIVAL_DAYS,
    description="Load every feed's files of one arrival day.",
)

# With end_offset=1 the newest partition is today: at 23:30 UTC today's arrivals load; the
# sensor covers files that land later (a late file reloads nothing, it only adds itself).
landing_daily_schedule = dg.build_schedule_from_partitioned_job(
    landing_daily_job, hour_of_day=23, minute_of_hour=30
)
