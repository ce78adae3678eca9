"""`calltrack dbt ...`: dbt on the configured warehouse, with the right profile and paths."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess

from pipelines.marts.compaction import VACUUM_TASKS_ENV, vacuum_tasks
from pipelines.marts.project import (
    DBT_EXECUTABLE,
    DBT_PROJECT_DIR,
    dbt_env,
    ensure_source_tables,
)
from pipelines.settings import Settings


def run_dbt(args: list[str], settings: Settings, extra_env: dict[str, str] | None = None) -> int:
    """Run dbt in dbt_project/ against `settings`' warehouse; return its exit code."""
    env = {**os.environ, **dbt_env(settings), **(extra_env or {})}
    cmd = [DBT_EXECUTABLE, *args, "--project-dir", str(DBT_PROJECT_DIR)]
    cmd += ["--profiles-dir", str(DBT_PROJECT_DIR)]
    return subprocess.run(cmd, cwd=DBT_PROJECT_DIR, env=env, check=False).returncode


def prepare_warehouse(settings: Settings) -> dict[str, str]:
    """Create the transcripts/ml source tables (empty) if their producers never ran, and
    decide whether the run compacts (see compaction); the connection is closed before dbt
    starts, which needs the file lock. Returns the run's extra environment."""
    from ingest.warehouse import connect

    con = connect(settings.warehouse_path)
    try:
        ensure_source_tables(con)
        return {VACUUM_TASKS_ENV: vacuum_tasks(con)}
    finally:
        con.close()


def cmd_dbt(args: argparse.Namespace) -> int:
    settings = Settings.from_env(warehouse_path=args.warehouse)
    if args.dbt_command == "docs":
        # docs generate introspects the warehouse; a fresh clone gets an empty one to document
        prepare_warehouse(settings)
        return run_dbt(["docs", "generate"], settings)
    run_env = prepare_warehouse(settings) if args.dbt_command in ("build", "run") else {}
    extra = ["--full-refresh"] if getattr(args, "full_refresh", False) else []
    return run_dbt([args.dbt_command, *extra, *shlex.split(args.dbt_args)], settings, run_env)


def register(subparsers: argparse._SubParsersAction) -> None:
    dbt = subparsers.add_parser("dbt", help="dbt on the warehouse (build, run, test, docs)")
    dbt.add_argument("dbt_command", choices=["build", "run", "test", "docs", "parse"])
    dbt.add_argument("--warehouse", help="DuckDB warehouse file (default: CALLTRACK_WAREHOUSE)")
    dbt.add_argument("--full-refresh", action="store_true", help="rebuild incremental models")
    dbt.add_argument(
        "--dbt-args",
        default="",
        help="more dbt arguments, one string, e.g. --dbt-args '--select fct_calls'",
    )
    dbt.set_defaults(func=cmd_dbt)
