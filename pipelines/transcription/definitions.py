"""Dagster definitions of the transcription domain."""

import dagster as dg

from pipelines.transcription.assets import call_transcripts
from pipelines.transcription.checks import no_pii_in_stored_text, statuses_and_outcomes_valid

defs = dg.Definitions(
    assets=[call_transcripts],
    asset_checks=[no_pii_in_stored_text, statuses_and_outcomes_valid],
)
