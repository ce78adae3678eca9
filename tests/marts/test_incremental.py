"""A daily incremental dbt run after a full build gives the same tables as a full rebuild.

Warehouse A: the first days, a full build, then the next day's arrivals (new calls, a late
call.ended for an in-progress call, a late conversion of an older call, a new attribution) and
a plain `dbt run` (incremental), then two more arrivals of pool traffic, each followed by a
daily run (the pool models rebuild their recent days and keep the older ones). Warehouse B:
all the same rows, one full build. Every table of marts, ml and intermediate (the incremental
pool models) must be equal, row for row.
"""

import shutil
import sys
from pathlib import Path

import duckdb
import pytest

from ingest.warehouse import connect
from pipelines.marts.cli import run_dbt
from pipelines.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
import warehouse_fixture  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("marts_incremental")]


# A 2-day label window: the data horizon moves past the window of calls that the daily runs
# do not touch otherwise (c6: 2026-10-02, its window closes when c8 arrives on 2026-10-04), so
# ml_call_features' horizon rule is exercised, not only its watermarks.
LABEL_WINDOW = '{"label_window_days": 2}'


def _dbt(warehouse: Path, *args: str) -> None:
    rc = run_dbt(
        ["run", "--quiet", "--vars", LABEL_WINDOW, *args], Settings(warehouse_path=str(warehouse))
    )
    assert rc == 0


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        """select table_schema, table_name from information_schema.tables
           where table_catalog = current_database()
             and table_schema in ('marts', 'ml', 'intermediate') and table_type = 'BASE TABLE'
             -- scoring's own tables; the run's bookkeeping (which pool days it rebuilt)
             and table_name not in ('call_scores', 'model_runs', 'int_pool_rebuilt_days')
           order by 1, 2"""
    ).fetchall()


def _incremental_models() -> set[str]:
    """Models configured incremental in the dbt project (read from their SQL)."""
    models = Path(__file__).resolve().parents[2] / "dbt_project" / "models"
    return {
        path.stem
        for path in models.rglob("*.sql")
        if "materialized='incremental'" in path.read_text()
    }


def _assert_same_rows(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> None:
    """The table holds the same rows in the connection's warehouse and in `full_build`."""
    # identifiers come from the catalog, not from data; _run_* columns are a run's
    # bookkeeping (what the run saw), which differs between a daily and a full build
    columns = ", ".join(
        f'"{name}"'
        for (name,) in con.execute(
            """select column_name from information_schema.columns
               where table_catalog = current_database() and table_schema = ?
                 and table_name = ? and not starts_with(column_name, '_run_')
               order by ordinal_position""",
            [schema, table],
        ).fetchall()
    )
    a = f'(select {columns} from "{schema}"."{table}")'
    b = f'(select {columns} from full_build."{schema}"."{table}")'
    only_daily = con.execute(f"select count(*) from (from {a} except all from {b})")
    n_only_daily = only_daily.fetchone()[0]
    only_full = con.execute(f"select count(*) from (from {b} except all from {a})")
    assert (n_only_daily, only_full.fetchone()[0]) == (0, 0), table


def test_daily_run_equals_full_rebuild(tmp_path: Path) -> None:
    daily = warehouse_fixture.build(tmp_path / "daily.duckdb")
    _dbt(daily, "--full-refresh")
    con = connect(daily)
    try:
        status = con.execute("select call_status from marts.fct_calls where call_id = 'c4'")
        assert status.fetchone() == ("in_progress",)
        window = "select label_window_complete from ml.ml_call_features where call_id = 'c6'"
        assert con.execute(window).fetchone() == (False,)
        warehouse_fixture.load_late_day(con)
    finally:
        con.close()
    _dbt(daily)  # the daily run: incremental facts
    for step in (1, 2):
        con = connect(daily)
        try:
            warehouse_fixture.load_pool_days(con, step)
        finally:
            con.close()
        _dbt(daily)

    full = warehouse_fixture.build(tmp_path / "full.duckdb", late_day=True, pool_days=True)
    _dbt(full, "--full-refresh")

    con = duckdb.connect(str(daily), read_only=True)
    try:
        con.execute(f"attach '{full}' as full_build (read_only)")  # path is ours (tmp_path)
        tables = _tables(con)
        assert ("marts", "fct_calls") in tables and ("ml", "ml_call_features") in tables
        incremental = _incremental_models()
        assert {"fct_calls", "ml_call_features", "int_pool_levels_by_day"} <= incremental
        assert incremental <= {table for _, table in tables}  # every one is compared
        for schema, table in tables:
            _assert_same_rows(con, schema, table)
        # the late rows did arrive in the daily build (not equal because both missed them)
        calls = dict(con.execute("select call_id, call_status from marts.fct_calls").fetchall())
        assert calls["c4"] == "completed" and "c8" in calls
        window = "select label_window_complete from ml.ml_call_features where call_id = 'c6'"
        assert con.execute(window).fetchone() == (True,)
        converted = con.execute("select is_converted from marts.fct_calls where call_id = 'c7'")
        assert converted.fetchone() == (True,)
        # the pool days arrived, with idle days between them at level 0 (2026-10-07)
        pool_days = con.execute(
            """select date_local::varchar, peak_concurrent_sessions
               from marts.mart_number_pool_health where pool_id = 'pool_web'
               order by 1"""
        ).fetchall()
        assert ("2026-10-07", 0) in pool_days and ("2026-10-08", 2) in pool_days
        sessions = con.execute(
            "select session_id, beacon_count, calls from marts.fct_sessions "
            "where session_id in ('s20', 's23') order by 1"
        ).fetchall()
        assert sessions == [("s20", 2, 0), ("s23", 1, 1)]
        # s19 (erased), s21 (replaced by s25) and s26 (twelve days old) vanished from
        # attribution: deleted
        replaced = con.execute(
            "select session_id from marts.fct_sessions "
            "where session_id in ('s19', 's21', 's25', 's26') order by 1"
        )
        assert replaced.fetchall() == [("s25",)]
        # cv2 moved from c2 (ten days old) to the late c11
        converted = con.execute(
            "select call_id, conversion_count from marts.fct_calls "
            "where call_id in ('c2', 'c11') order by 1"
        ).fetchall()
        assert converted == [("c11", 1), ("c2", 0)]
        # c2 lost its session: no touches left over from its earlier attribution
        touches = con.execute(
            "select count(*) from marts.fct_attribution_touches where call_id = 'c2'"
        )
        assert touches.fetchone() == (0,)
    finally:
        con.close()


def test_conversion_moved_twice_before_its_calls_are_rebuilt(tmp_path: Path) -> None:
    # cv2 (on c11 after the pool days) moves to c12 in a run of int_conversions_linked alone,
    # then to c13 before fct_calls and ml_call_features next run: they rebuild the call that
    # has it and both calls it left, c11 named only by the link's accumulated list
    daily = warehouse_fixture.build(tmp_path / "daily.duckdb", late_day=True, pool_days=True)
    _dbt(daily, "--full-refresh")
    for call_id, start, load_id, selection in (
        ("c12", "2026-10-04 18:00", 9, ["--select", "+int_conversions_linked"]),
        ("c13", "2026-10-05 08:00", 10, []),
    ):
        con = connect(daily)
        try:
            warehouse_fixture.load_later_call_of_alice(con, call_id, start, load_id)
        finally:
            con.close()
        _dbt(daily, *selection)

    full = tmp_path / "full.duckdb"
    shutil.copyfile(daily, full)
    _dbt(full, "--full-refresh")

    con = duckdb.connect(str(daily), read_only=True)
    try:
        con.execute(f"attach '{full}' as full_build (read_only)")  # path is ours (tmp_path)
        converted = con.execute(
            "select call_id, conversion_count from marts.fct_calls "
            "where call_id in ('c11', 'c12', 'c13') order by 1"
        ).fetchall()
        assert converted == [("c11", 0), ("c12", 0), ("c13", 1)]
        for schema, table in (("marts", "fct_calls"), ("ml", "ml_call_features")):
            _assert_same_rows(con, schema, table)
    finally:
        con.close()


def _assert_same_as_full_refresh(tmp_path: Path, daily: Path, tables: list[str]) -> None:
    """A full refresh of a copy of `daily` gives the same rows in `tables` (schema.table)."""
    full = tmp_path / "full.duckdb"
    shutil.copyfile(daily, full)
    _dbt(full, "--full-refresh")
    con = duckdb.connect(str(daily), read_only=True)
    try:
        con.execute(f"attach '{full}' as full_build (read_only)")  # path is ours (tmp_path)
        for name in tables:
            _assert_same_rows(con, *name.split("."))
    finally:
        con.close()


def test_links_rebuilt_whole_make_their_readers_compare_every_call(tmp_path: Path) -> None:
    # int_conversions_linked rebuilt whole after cv2 moved from c11 to c12: the links no
    # longer say which call cv2 left, so fct_calls and ml_call_features compare the
    # conversions of every call (c11 lost cv2) instead
    daily = warehouse_fixture.build(tmp_path / "daily.duckdb", late_day=True, pool_days=True)
    _dbt(daily, "--full-refresh")
    con = connect(daily)
    try:
        warehouse_fixture.load_later_call_of_alice(con, "c12", "2026-10-04 18:00", 9)
    finally:
        con.close()
    _dbt(daily, "--select", "+int_calls_joined")
    _dbt(daily, "--select", "int_conversions_linked", "--full-refresh")
    _dbt(daily)
    _assert_same_as_full_refresh(tmp_path, daily, ["marts.fct_calls", "ml.ml_call_features"])


def test_calls_built_before_the_link_columns_catch_up(tmp_path: Path) -> None:
    # a warehouse from before int_conversions_linked recorded its runs: the next daily run
    # compares every call's conversions once, and links record their runs from then on
    daily = warehouse_fixture.build(tmp_path / "daily.duckdb", late_day=True, pool_days=True)
    _dbt(daily, "--full-refresh")
    con = connect(daily)
    try:
        for table, column in (
            ("intermediate.int_conversions_linked", "_run_linked_at"),
            ("intermediate.int_conversions_linked", "_run_unlinked_call_ids"),
            ("marts.fct_calls", "_run_conversions_linked_at"),
            ("ml.ml_call_features", "_run_conversions_linked_at"),
        ):
            con.execute(f"alter table {table} drop column {column}")  # our identifiers
        warehouse_fixture.load_later_call_of_alice(con, "c12", "2026-10-04 18:00", 9)
    finally:
        con.close()
    _dbt(daily)
    con = connect(daily)
    try:
        linked = con.execute(
            "select call_id, _run_unlinked_call_ids from intermediate.int_conversions_linked "
            "where conversion_id = 'cv2'"
        )
        assert linked.fetchone() == ("c12", ["c11"])
        warehouse_fixture.load_later_call_of_alice(con, "c13", "2026-10-05 08:00", 10)
    finally:
        con.close()
    _dbt(daily)
    _assert_same_as_full_refresh(tmp_path, daily, ["marts.fct_calls", "ml.ml_call_features"])


def test_pool_marks_are_read_again_after_a_removed_hold(tmp_path: Path) -> None:
    # a daily run updates the pool marks from the assignments written since; a removed
    # session can take the pool's latest hold with it (s23, until 11:00; s24 ends at 10:45),
    # so then every assignment is read again. The next daily run (s29) updates them again.
    daily = warehouse_fixture.build(tmp_path / "daily.duckdb", late_day=True, pool_days=True)
    _dbt(daily, "--full-refresh")
    con = connect(daily)
    try:
        warehouse_fixture.remove_latest_pool_session(con)
    finally:
        con.close()
    _dbt(daily)
    con = connect(daily)
    try:
        last_end = con.execute(
            "select last_held_until from intermediate.int_pool_build_marks "
            "where pool_id = 'pool_web'"
        )
        assert last_end.fetchone()[0] == warehouse_fixture.ts("2026-10-08 10:45")
        warehouse_fixture.load_pool_session_after_removal(con)
    finally:
        con.close()
    _dbt(daily)
    _assert_same_as_full_refresh(
        tmp_path,
        daily,
        [
            "intermediate.int_pool_build_marks",
            "intermediate.int_pool_levels_by_day",
            "intermediate.int_pool_sessions_by_day",
            "marts.mart_number_pool_health",
        ],
    )


def test_sessions_built_before_the_watermark_column_are_rebuilt_once(tmp_path: Path) -> None:
    # a warehouse whose fct_sessions predates _computed_at: the next daily run rebuilds every
    # session (the watermark is unknown) instead of failing or rebuilding none
    warehouse = warehouse_fixture.build(tmp_path / "upgrade.duckdb")
    _dbt(warehouse, "--full-refresh")
    con = connect(warehouse)
    try:
        con.execute("alter table marts.fct_sessions drop column _computed_at")
        con.execute("update marts.fct_sessions set calls = 99")
    finally:
        con.close()
    _dbt(warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        built = con.execute(
            "select count(*), count(_computed_at), max(calls) from marts.fct_sessions"
        ).fetchone()
        sessions = con.execute("select count(*) from attribution.sessions").fetchone()[0]
    finally:
        con.close()
    assert built[0] == sessions > 0 and built[1] == sessions and built[2] < 99
