"""When a dbt run compacts the tables dbt built.

The `local` profile's runs leave the rows an incremental run replaces marked as deleted instead
of compacting the row groups around them at their closing checkpoint (`max_vacuum_tasks`, from
CALLTRACK_DBT_VACUUM_TASKS, default 0; see dbt_project/profiles.yml): compacting on every daily
run rewrote whole row groups for a few thousand replaced rows. Before a run, the replaced rows
of each table are counted; once a table holds at least a row group's worth of them (what
DuckDB's compaction can give back: it merges row groups) and COMPACT_AT of its rows, that run
compacts every table it changes (at 1.6M calls, about every 8th daily run).
"""

from __future__ import annotations

import duckdb

VACUUM_TASKS_ENV = "CALLTRACK_DBT_VACUUM_TASKS"
COMPACT_AT = 0.05
ROW_GROUP_ROWS = 122_880  # DuckDB's row group size
DBT_TABLE_SCHEMAS = ("intermediate", "marts", "ml")
# DuckDB's default: a checkpoint may schedule this many compactions
COMPACTING_VACUUM_TASKS = "100"


def replaced_rows(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    """(replaced, stored) rows of each dbt-built table: stored rows that are deleted but not
    compacted yet. DuckDB's estimated_size counts the rows a table stores, deleted ones
    included."""
    tables = con.execute(
        """select schema_name, table_name, estimated_size from duckdb_tables()
           where database_name = current_database() and not temporary
             and list_contains(?, schema_name)""",
        [list(DBT_TABLE_SCHEMAS)],
    ).fetchall()
    counts = {}
    for schema, table, stored in tables:
        # identifiers from the catalog, not from data
        (live,) = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
        counts[f"{schema}.{table}"] = (max(stored - live, 0), stored)
    return counts


def vacuum_tasks(con: duckdb.DuckDBPyConnection) -> str:
    """CALLTRACK_DBT_VACUUM_TASKS for the next dbt run: compact when a table needs it."""
    for replaced, stored in replaced_rows(con).values():
        if replaced >= ROW_GROUP_ROWS and replaced >= COMPACT_AT * stored:
            return COMPACTING_VACUUM_TASKS
    return "0"
