"""The dbt project as Dagster sees it, and how dbt is invoked for a given warehouse.

Loading the code location must work from a fresh clone, where Dagster's manifest
(dbt_project/target/dagster/manifest.json) does not exist yet: `manifest_path()` parses the
project (`dbt parse`, ~5 s, offline, no warehouse needed) when the manifest is missing or older
than a file of the project (a model was edited or a branch switched), and on every load under
`dagster dev` (`prepare_if_dev`). Otherwise a load reuses the manifest and costs one directory
scan.
"""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster_dbt import DbtCliResource, DbtProject

from models.tables import ensure_tables as ensure_ml_tables
from pipelines.attribution.engine import ensure_tables as ensure_attribution_tables
from pipelines.settings import Settings
from transcribe.tables import ensure_tables as ensure_transcript_tables

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

# dbt of this interpreter's environment, as calltrack's entry point runs it (dbt_entry: the
# garbage collector off); the venv need not be activated (nothing on PATH).
DBT_EXECUTABLE = str(Path(sys.executable).with_name("calltrack-dbt"))

# Dagster's manifest lives in target/dagster/, apart from target/manifest.json, which dbt run by
# hand, `calltrack dbt` and the tests write: a dbt run rewriting that file while a code location
# loaded it gave a truncated read. (Each Dagster dbt run has its own folder under target/.)
dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    target_path=Path("target") / "dagster",
)


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)


_PROJECT_FILES = ("*.yml", "*.sql")


def manifest_is_stale(manifest: Path, project_dir: Path = DBT_PROJECT_DIR) -> bool:
    """True when the manifest is missing or older than a project file it is parsed from."""
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    target = project_dir / "target"
    for pattern in _PROJECT_FILES:
        for path in project_dir.rglob(pattern):
            if target not in path.parents and path.stat().st_mtime > built:
                return True
    return False


def manifest_path() -> Path:
    """The manifest, (re)parsed first when stale (fresh clone, edited models) or under
    `dagster dev`."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    manifest = dbt_project.manifest_path
    if manifest_is_stale(manifest) or os.environ.get("DAGSTER_IS_DEV_CLI"):
        manifest.parent.mkdir(parents=True, exist_ok=True)
        # Two processes loading the code location at once (pytest -n 2, dagster dev's
        # daemon and webserver) must not parse into the same target/ together.
        with (manifest.parent / ".parse.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if manifest_is_stale(manifest) or os.environ.get("DAGSTER_IS_DEV_CLI"):
                dbt_resource().cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()
    return manifest


def dbt_env(settings: Settings) -> dict[str, str]:
    """Environment for a dbt subprocess: the warehouse as an absolute path (dbt runs in
    dbt_project/, so a relative path would point elsewhere) and the profile target."""
    return {
        "CALLTRACK_WAREHOUSE": str(Path(settings.warehouse_path).resolve()),
        "CALLTRACK_DBT_TARGET": settings.dbt_target,
        "DO_NOT_TRACK": "1",
    }


@contextmanager
def patched_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of a dbt subprocess start.

    DbtCliResource copies os.environ when it starts dbt and takes no env argument, so the
    values are set around that call and restored after (the in-process executor runs one
    step at a time).
    """
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def ensure_source_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The transcripts.* and ml.* sources exist (empty, documented schema) before their
    producers first run, so the marts build with nulls in those columns; attribution's tables
    carry the columns the models read even before attribution runs on a warehouse from an
    older version (number_assignments.computed_at)."""
    ensure_attribution_tables(con)
    ensure_transcript_tables(con)
    ensure_ml_tables(con)
