"""End to end: the CLI simulates a small landing zone and `calltrack run` builds everything.

This is the user's path through the product (`make demo` at small scale): every stage must
produce its tables, the dashboards and the Google Ads export, with no PII past the raw zone.
"""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.xdist_group("e2e")]

CALLTRACK = [sys.executable, "-m", "pipelines.cli"]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("e2e")
    paths = {
        "landing": root / "landing",
        "warehouse": root / "warehouse.duckdb",
        "dashboards": root / "dashboards",
        "exports": root / "exports",
        "models": root / "models",
    }
    env = {
        **os.environ,
        "CALLTRACK_EXPORTS_DIR": str(paths["exports"]),
        "CALLTRACK_MODELS_DIR": str(paths["models"]),
        "CALLTRACK_CALLER_KEY_SECRET": "e2e-secret",
        "DO_NOT_TRACK": "1",
    }
    simulate = [*CALLTRACK, "simulate", "--out", str(paths["landing"]), "--scale", "small"]
    subprocess.run([*simulate, "--days", "7", "--seed", "11"], check=True, env=env)
    run = subprocess.run(
        [
            *CALLTRACK,
            "run",
            "--landing",
            str(paths["landing"]),
            "--warehouse",
            str(paths["warehouse"]),
            "--dashboards",
            str(paths["dashboards"]),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    paths["stdout"] = run.stdout  # type: ignore[assignment]
    return paths


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchone()[0]  # table names are ours


def test_every_stage_produced_its_tables(demo_run: dict[str, Path]) -> None:
    with duckdb.connect(str(demo_run["warehouse"]), read_only=True) as con:
        calls = _count(con, "marts.fct_calls")
        assert calls > 0
        # one attribution row and one score per call; raw call ids = mart call ids
        assert _count(con, "attribution.call_attribution") == calls
        assert _count(con, "ml.call_scores") == calls
        raw_calls = con.execute("select count(distinct call_id) from raw.call_events").fetchone()
        assert raw_calls[0] == calls
        assert _count(con, "quarantine.dni_beacons") > 0  # the simulator's bad rows
        assert _count(con, "transcripts.call_transcripts") > 0
        for mart in (
            "mart_channel_performance",
            "mart_keyword_performance",
            "mart_missed_calls_by_hour",
            "mart_number_pool_health",
            "mart_location_performance",
        ):
            assert _count(con, f"marts.{mart}") > 0, mart


def test_no_caller_number_outside_raw(demo_run: dict[str, Path]) -> None:
    with duckdb.connect(str(demo_run["warehouse"]), read_only=True) as con:
        numbers = {
            r[0]
            for r in con.execute(
                "select distinct caller_number from raw.call_events where caller_number is not null"
            ).fetchall()
        }
        assert numbers
        cols = con.execute(
            """select table_schema, table_name, column_name from information_schema.columns
               where table_schema not in ('raw', 'quarantine') and data_type = 'VARCHAR'"""
        ).fetchall()
        for schema, table, column in cols:
            values = con.execute(
                f'select distinct "{column}" from "{schema}"."{table}"'  # identifiers from catalog
            ).fetchall()
            leaked = numbers & {v[0] for v in values}
            assert not leaked, f"caller numbers in {schema}.{table}.{column}"


def test_outputs_for_people(demo_run: dict[str, Path]) -> None:
    index = demo_run["dashboards"] / "index.html"
    assert index.exists() and index.stat().st_size > 1000
    assert str(index.resolve()) in str(demo_run["stdout"])  # the run tells where they are
    exports = list(demo_run["exports"].glob("*.csv"))
    assert exports
    first = exports[0].read_text().splitlines()
    assert first[0].startswith("Parameters:TimeZone=")
    assert first[1].startswith("Google Click ID,Conversion Name,Conversion Time")
