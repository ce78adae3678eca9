"""A sensor that discovers new landing files and requests one run per arrival day.

The cursor remembers every file version already requested (a short digest of key + checksum
per file, grouped by day), so a file is never requested twice; the run_key is derived from the
new files' keys and checksums, so even a lost cursor cannot request the same files twice (Dagster
skips a run_key it has seen). A rewritten file (same key, new checksum) is requested again and
the load flags it instead of reloading it.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

import dagster as dg

from ingest.landing import LandingFile, open_landing
from pipelines.landing.assets import RAW_KEYS
from pipelines.resources import CalltrackSettings


def file_digest(f: LandingFile) -> str:
    return hashlib.sha256(f"{f.key}\0{f.checksum}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class PlannedRun:
    partition_key: str
    feeds: tuple[str, ...]
    run_key: str
    files: tuple[str, ...]


def plan_runs(files: Iterable[LandingFile], cursor: str | None) -> tuple[list[PlannedRun], str]:
    """(runs to request, new cursor) for the listed files, given the previous cursor."""
    seen: dict[str, list[str]] = json.loads(cursor) if cursor else {}
    seen_sets = {day: set(d) for day, d in seen.items()}
    new_by_day: dict[str, list[LandingFile]] = {}
    for f in files:
        if file_digest(f) not in seen_sets.get(f.dt, set()):
            new_by_day.setdefault(f.dt, []).append(f)
    runs = []
    for day in sorted(new_by_day):
        new = sorted(new_by_day[day], key=lambda f: f.key)
        digests = [file_digest(f) for f in new]
        run_key = f"landing-{day}-" + hashlib.sha256("".join(digests).encode()).hexdigest()[:20]
        runs.append(
            PlannedRun(
                day, tuple(sorted({f.feed for f in new})), run_key, tuple(f.key for f in new)
            )
        )
        seen.setdefault(day, []).extend(digests)
    return runs, json.dumps(seen, sort_keys=True, separators=(",", ":"))


@dg.sensor(
    name="landing_new_files",
    asset_selection=dg.AssetSelection.assets(*RAW_KEYS),
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Lists the landing zone and requests a load for each arrival day with new files.",
)
def landing_new_files(
    context: dg.SensorEvaluationContext, settings: CalltrackSettings
) -> dg.SensorResult:
    s = settings.get()
    files = open_landing(s.landing_uri, s).list_files()
    runs, cursor = plan_runs(files, context.cursor)
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=r.run_key,
                partition_key=r.partition_key,
                asset_selection=[dg.AssetKey(["raw", feed]) for feed in r.feeds],
                tags={"calltrack/new_files": str(len(r.files))},
            )
            for r in runs
        ],
        cursor=cursor,
    )
