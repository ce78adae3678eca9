"""The compaction decision reads the replaced rows a dbt run left behind (real DuckDB files)."""

from pathlib import Path

import duckdb

from pipelines.marts.compaction import (
    COMPACTING_VACUUM_TASKS,
    ROW_GROUP_ROWS,
    replaced_rows,
    vacuum_tasks,
)

ROWS = 4 * ROW_GROUP_ROWS


def _warehouse(path: Path, every: int) -> None:
    """marts.fct_calls of four row groups with every `every`-th row deleted, checkpointed as a
    daily dbt run leaves it (no compaction); raw rows deleted too (not a dbt table)."""
    con = duckdb.connect(str(path), config={"max_vacuum_tasks": 0})
    con.execute("create schema marts")
    con.execute("create table marts.fct_calls as select range as call_id from range(?)", [ROWS])
    con.execute("create schema raw")
    con.execute("create table raw.call_events as select range as id from range(?)", [ROWS])
    con.execute("checkpoint")
    con.execute("delete from marts.fct_calls where call_id % ? = 0", [every])
    con.execute("delete from raw.call_events where id % 2 = 0")
    con.close()  # the closing checkpoint, as at the end of a dbt run


def test_few_replaced_rows_keep_the_daily_run_cheap(tmp_path: Path) -> None:
    _warehouse(tmp_path / "w.duckdb", every=100)  # 1%: one daily run's share
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        assert replaced_rows(con) == {"marts.fct_calls": (ROWS // 100 + 1, ROWS)}
        assert vacuum_tasks(con) == "0"
    finally:
        con.close()


def test_a_table_with_enough_replaced_rows_is_compacted(tmp_path: Path) -> None:
    _warehouse(tmp_path / "w.duckdb", every=2)  # half: two row groups fit in one
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        assert vacuum_tasks(con) == COMPACTING_VACUUM_TASKS
        # what that run's close does: the table changed, the checkpoint compacts it
        con.execute(f"set max_vacuum_tasks = {COMPACTING_VACUUM_TASKS}")
        con.execute("delete from marts.fct_calls where call_id = 1")
        con.execute("checkpoint")
        replaced, _ = replaced_rows(con)["marts.fct_calls"]
        assert replaced == 0
        assert vacuum_tasks(con) == "0"
    finally:
        con.close()
