"""Dagster definitions of the marts domain: the dbt assets (with dbt tests as asset checks)
and the Google Ads export."""

import dagster as dg

from pipelines.marts.assets import dbt_features, dbt_marts, google_ads_offline_conversions
from pipelines.marts.project import dbt_resource

defs = dg.Definitions(
    assets=[dbt_features, dbt_marts, google_ads_offline_conversions],
    resources={"dbt": dbt_resource()},
)
