"""Asset checks of the landing domain.

Both are computed from the load itself and returned with each materialization (style.md 12:
cheap checks beside their asset): the row invariant is a blocking ERROR (a broken invariant
means rows were lost or counted twice); a loaded file whose checksum changed is an ERROR that
does not block (the loaded data is still consistent, but someone rewrote the landing zone).
"""

from __future__ import annotations

import dagster as dg
import duckdb

from ingest.landing import Landing
from ingest.load import changed_files, invariant_violations

INVARIANT_CHECK = "rows_read_equals_accepted_quarantined_duplicates"
CHECKSUM_CHECK = "loaded_files_unchanged"


def check_specs(key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            INVARIANT_CHECK,
            asset=key,
            blocking=True,
            description="Per file and per arrival day: rows read = accepted + quarantined "
            "+ duplicates dropped, and the ledger agrees with raw/quarantine.",
        ),
        dg.AssetCheckSpec(
            CHECKSUM_CHECK,
            asset=key,
            description="No loaded file was rewritten in the landing zone (its checksum "
            "differs from the ledger's). Such files are flagged, never reloaded.",
        ),
    ]


def invariant_result(
    con: duckdb.DuckDBPyConnection, key: dg.AssetKey, feed: str, day: str | None
) -> dg.AssetCheckResult:
    problems = invariant_violations(con, [feed], [day] if day else None)
    return dg.AssetCheckResult(
        check_name=INVARIANT_CHECK,
        asset_key=key,
        passed=not problems,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"violations": len(problems), "details": "\n".join(problems[:50])},
    )


def checksum_result(
    con: duckdb.DuckDBPyConnection,
    landing: Landing,
    key: dg.AssetKey,
    feed: str,
    day: str | None,
) -> dg.AssetCheckResult:
    changed = changed_files(con, landing, [feed], [day] if day else None)
    return dg.AssetCheckResult(
        check_name=CHECKSUM_CHECK,
        asset_key=key,
        passed=not changed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            "changed after loading (not reloaded): " + ", ".join(c.key for c in changed)
            if changed
            else None
        ),
        metadata={
            "changed_files": [c.key for c in changed],
            "checksums": {c.key: f"{c.loaded_checksum} -> {c.current_checksum}" for c in changed},
        },
    )
