"""The marts' sources are ready before dbt runs, on a new warehouse and on an older one."""

import datetime as dt
from pathlib import Path

import duckdb

from pipelines.marts.project import ensure_source_tables


def test_an_older_warehouse_gains_the_assignments_computed_at(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "older.duckdb"))
    try:
        # number_assignments as attribution wrote it before computed_at existed
        con.execute("create schema attribution")
        con.execute(
            """create table attribution.number_assignments (
                   account_id varchar, session_id varchar, tracking_number varchar,
                   pool_id varchar, assigned_at timestamptz, held_until timestamptz)"""
        )
        start = dt.datetime(2026, 10, 1, 10, tzinfo=dt.UTC)
        con.execute(
            "insert into attribution.number_assignments values (?, ?, ?, ?, ?, ?)",
            ["a", "s1", "+15550000001", "p", start, start + dt.timedelta(minutes=30)],
        )
        ensure_source_tables(con)
        columns = [
            name for name, *_ in con.execute("describe attribution.number_assignments").fetchall()
        ]
        assert columns[-1] == "computed_at"
        # the assignments already there keep their rows, with no computed_at (built already)
        counts = con.execute(
            "select count(*), count(computed_at) from attribution.number_assignments"
        ).fetchone()
        assert counts == (1, 0)
        # and a new warehouse gets every source table, empty
        ensure_source_tables(con)
        tables = {
            f"{schema}.{name}"
            for schema, name in con.execute(
                "select schema_name, table_name from duckdb_tables()"
            ).fetchall()
        }
        assert {"attribution.sessions", "attribution.deleted_sessions"} <= tables
    finally:
        con.close()
