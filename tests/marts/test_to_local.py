"""Time zones in the marts. The to_local macro (dbt_project/macros/to_local.sql): a branch with a
constant zone per account zone, the per-row timezone() for any other zone; both must give
timezone()'s answer, across DST changes, for instants around every transition of a year. And
dbt's and the warehouse's sessions run in UTC on a machine in another zone."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from pipelines.marts.project import DBT_EXECUTABLE, DBT_PROJECT_DIR, dbt_env
from pipelines.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
import warehouse_fixture  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("marts_dbt")]

# Zones of rows: the fixture's accounts use New York and Berlin (branches); Kolkata (+05:30)
# and Lord Howe (a 30-minute DST shift) are no account's zone and take the else branch.
ZONES = ("America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe")

INLINE = """
select instants.zone, instants.at_utc,
       {{ to_local('instants.at_utc', 'instants.zone') }} as by_macro,
       timezone(instants.zone, instants.at_utc) as by_row
from ct_test_instants as instants
"""


def compiled_to_local(warehouse: Path, target: Path) -> str:
    env = dbt_env(Settings(warehouse_path=str(warehouse)))
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        result = dbtRunner().invoke(
            [
                "compile",
                "--inline",
                INLINE,
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target-path",
                str(target),
                "--quiet",
            ]
        )
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert result.success, result.exception
    return result.result.results[0].node.compiled_code


def test_to_local_matches_timezone_for_listed_and_unlisted_zones(tmp_path: Path) -> None:
    warehouse = warehouse_fixture.build(tmp_path / "warehouse.duckdb")
    sql = compiled_to_local(warehouse, tmp_path / "target")
    # the accounts' zones got constant branches; the others only the per-row fallback
    assert "when 'America/New_York' then timezone('America/New_York'" in sql
    assert "when 'Europe/Berlin' then" in sql
    assert "Asia/Kolkata" not in sql and "Lord_Howe" not in sql
    assert "else timezone(instants.zone, instants.at_utc)" in sql

    with duckdb.connect(str(warehouse)) as con:
        # every 15 minutes of 2026 in each zone: all DST transitions of the year
        con.execute(
            "create temp table ct_test_instants as "
            "select z.zone, t.at_utc from unnest(?) as z(zone), "
            "range(timestamptz '2026-01-01 00:00:00+00', timestamptz '2027-01-01 00:00:00+00', "
            "interval 15 minute) as t(at_utc)",
            [list(ZONES)],
        )
        rows, differing, zones = con.execute(
            f"select count(*), count(*) filter (where by_macro is distinct from by_row), "
            f"count(distinct zone) from ({sql})"
        ).fetchone()
    assert zones == len(ZONES)
    assert rows == len(ZONES) * 365 * 96
    assert differing == 0


def test_dbt_and_the_warehouse_run_in_utc_whatever_the_machine_zone(tmp_path: Path) -> None:
    # A model that casts an instant to text (dim_tracking_numbers' key) gave another key on a
    # machine outside UTC; the profile and ingest.warehouse.connect pin the session zone.
    warehouse = warehouse_fixture.build(tmp_path / "warehouse.duckdb")
    env = {
        **os.environ,
        **dbt_env(Settings(warehouse_path=str(warehouse))),
        "TZ": "Asia/Tokyo",
    }
    shown = subprocess.run(
        [
            DBT_EXECUTABLE,
            "show",
            "--inline",
            "select current_setting('TimeZone') as zone",
            "--output",
            "json",
            "--target-path",
            str(tmp_path / "target"),
            "--quiet",
        ],
        env=env,
        cwd=DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"zone": "UTC"' in shown.stdout
    probe = (
        "import sys; from ingest.warehouse import connect; "
        "print(connect(sys.argv[1]).execute(\"select current_setting('TimeZone')\").fetchone()[0])"
    )
    connected = subprocess.run(
        [sys.executable, "-c", probe, str(warehouse)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert connected.stdout.strip() == "UTC"
