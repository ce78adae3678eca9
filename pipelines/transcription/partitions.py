"""Partitions of the transcription domain: one per arrival day of `call.recording_ready` events."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipelines.settings import Settings

# Arrival days (the landing zone's dt= folders). The start only bounds what the UI offers for
# backfills; `days_with_recordings` names the days that actually have work.
RECORDING_DAYS = dg.DailyPartitionsDefinition(start_date="2020-01-01", end_offset=1)


def days_with_recordings(settings: Settings) -> list[str]:
    """Arrival days with recordings that have no transcript yet (used by `calltrack run`)."""
    from ingest.warehouse import connect
    from transcribe.store import pending_days

    if not Path(settings.warehouse_path).exists():
        return []
    # Not read-only: pending_recordings creates the (empty) transcript tables on first use.
    con = connect(settings.warehouse_path)
    try:
        return pending_days(con)
    finally:
        con.close()
