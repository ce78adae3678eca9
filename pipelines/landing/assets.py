"""One asset per feed: `raw/<feed>`, partitioned by arrival day. Thin: `ingest.load` does the
work; the asset passes the partition, reports counts per reason and returns the checks."""

import dagster as dg

from ingest.contract import FEEDS
from ingest.landing import open_landing
from ingest.load import load_landing
from pipelines.landing.checks import check_specs, checksum_result, invariant_result
from pipelines.landing.partitions import ARRIVAL_DAYS
from pipelines.resources import CalltrackSettings, Warehouse

PARTITION_KEYS = {"calltrack/partition_keys": "pipelines.landing.partitions:arrival_days"}

# Transient S3 errors (a restarting server, throttling) get botocore's own retries inside a
# step; a step that still fails is retried by Dagster with exponential backoff. A load is
# idempotent (the ledger), so a retry only loads what the failed attempt did not commit.
LANDING_RETRY = dg.RetryPolicy(max_retries=3, delay=5, backoff=dg.Backoff.EXPONENTIAL)


def raw_asset(feed: str) -> dg.AssetsDefinition:
    key = dg.AssetKey(["raw", feed])

    @dg.asset(
        key=key,
        partitions_def=ARRIVAL_DAYS,
        group_name="landing",
        kinds={"duckdb", "parquet"},
        description=f"raw.{feed}: accepted {feed} rows, append-only, with load metadata; "
        f"rejected rows in quarantine.{feed}. {FEEDS[feed].doc}",
        metadata=PARTITION_KEYS,
        retry_policy=LANDING_RETRY,
        check_specs=check_specs(key),
    )
    def _asset(
        context: dg.AssetExecutionContext, settings: CalltrackSettings, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        s = settings.get()
        day = context.partition_key
        landing = open_landing(s.landing_uri, s)
        with warehouse.connect() as con:
            report = load_landing(con, landing, feeds=[feed], days=[day])
            checks = [
                invariant_result(con, key, feed, day),
                checksum_result(con, landing, key, feed, day),
            ]
        for path, cols in report.extra_columns.items():
            context.log.warning(f"{path}: columns not in the contract (ignored): {cols}")
        for c in report.changed:
            context.log.warning(f"{c.key} changed after it was loaded; not reloaded")
        metadata: dict[str, object] = {
            "files_loaded": len(report.files),
            "files_skipped": report.skipped,
            "rows_read": report.rows_read,
            "rows_accepted": report.rows_accepted,
            "rows_quarantined": report.rows_quarantined,
            "rows_duplicate": report.rows_duplicate,
            "corrupt_files": report.corrupt_files,
            "extra_columns": report.extra_columns,
            "changed_files": [c.key for c in report.changed],
            "dagster/row_count": report.rows_accepted,
        }
        metadata.update({f"quarantined/{code}": n for code, n in report.reasons.items()})
        return dg.MaterializeResult(metadata=metadata, check_results=checks)

    return _asset


RAW_ASSETS = [raw_asset(name) for name in FEEDS]
RAW_KEYS = [dg.AssetKey(["raw", name]) for name in FEEDS]
