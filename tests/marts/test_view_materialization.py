"""The project's view materialization (dbt_project/materializations/view.sql): a run leaves a
view whose compiled SQL is unchanged as it is, re-creates one whose SQL changed (its
fingerprint differs), and `--full-refresh` re-creates them all. Real dbt runs on the small
fixture warehouse. A view that was kept still carries a marker this test set on one of its
columns (a re-created view starts without column comments)."""

import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.marts.cli import run_dbt
from pipelines.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
import warehouse_fixture  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("marts_views")]

CHANGED = "stg_raw__call_events"
MARKER = "kept since the marker was set"


def _run_staging(warehouse: Path, *args: str) -> None:
    rc = run_dbt(
        ["run", "--quiet", "--select", "staging", *args], Settings(warehouse_path=str(warehouse))
    )
    assert rc == 0


def _views(warehouse: Path) -> dict[str, str]:
    """Staging views: name -> the view's comment (the fingerprint)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select view_name, comment from duckdb_views() where schema_name = 'staging'"
        ).fetchall()
    return dict(rows)


def _mark(warehouse: Path, views: list[str]) -> None:
    with duckdb.connect(str(warehouse)) as con:
        for view in views:
            column = con.execute(
                "select column_name from duckdb_columns() "
                "where schema_name = 'staging' and table_name = ? and column_index = 1",
                [view],
            ).fetchone()[0]
            # identifiers from the catalog (quoted), the marker a literal of this test
            con.execute(f'comment on column staging."{view}"."{column}" is \'{MARKER}\'')


def _marked(warehouse: Path) -> set[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select distinct table_name from duckdb_columns() "
            "where schema_name = 'staging' and comment = ?",
            [MARKER],
        ).fetchall()
    return {name for (name,) in rows}


def test_unchanged_views_are_kept_changed_ones_recreated(tmp_path: Path) -> None:
    warehouse = warehouse_fixture.build(tmp_path / "warehouse.duckdb")
    _run_staging(warehouse)
    fingerprints = _views(warehouse)
    views = sorted(fingerprints)
    assert len(views) >= 10
    assert all(comment.startswith("dbt-sql-md5:") for comment in fingerprints.values())
    _mark(warehouse, views)
    assert _marked(warehouse) == set(views)

    # the same SQL: every view is kept
    _run_staging(warehouse)
    assert _marked(warehouse) == set(views)
    assert _views(warehouse) == fingerprints

    # a view whose fingerprint no longer matches its model's SQL (what an edited model looks
    # like to the next run) is re-created with the current fingerprint; the others are kept
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"comment on view staging.{CHANGED} is 'dbt-sql-md5:stale'")
    _run_staging(warehouse)
    assert _marked(warehouse) == set(views) - {CHANGED}
    assert _views(warehouse) == fingerprints
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(f"select count(*) from staging.{CHANGED}").fetchone()[0] > 0

    # --full-refresh re-creates every view
    _run_staging(warehouse, "--full-refresh")
    assert _marked(warehouse) == set()
    assert _views(warehouse) == fingerprints
