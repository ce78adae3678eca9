"""Dagster definitions of the scoring domain."""

import dagster as dg

from pipelines.scoring.assets import call_scores
from pipelines.scoring.checks import scores_not_constant, scores_use_a_registered_model

defs = dg.Definitions(
    assets=[call_scores],
    asset_checks=[scores_use_a_registered_model, scores_not_constant],
)
