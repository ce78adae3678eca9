"""Partitions of the landing domain: one per arrival day (`dt=` folder of the landing zone)."""

from __future__ import annotations

import dagster as dg

from ingest.landing import arrival_days as _landing_arrival_days
from ingest.landing import open_landing
from pipelines.settings import Settings

# Arrival days from 2020 (before any plausible data); end_offset=1 makes today's arrivals a
# partition, so files that land today load today instead of tomorrow.
ARRIVAL_DAYS = dg.DailyPartitionsDefinition(start_date="2020-01-01", end_offset=1)


def arrival_days(settings: Settings) -> list[str]:
    """The `dt=` days present in the landing zone (the partition keys with work), sorted.

    Named by the assets' `calltrack/partition_keys` metadata for `calltrack run`."""
    return _landing_arrival_days(open_landing(settings.landing_uri, settings))
