"""Fixtures of the simulator tests: the landing zone's feeds as DuckDB views."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingest import contract


def feed_files(landing: Path, feed: str, corrupt_key: str | None) -> list[str]:
    files = sorted(landing.glob(f"{feed}/dt=*/*.parquet"))
    return [str(f) for f in files if f.relative_to(landing).as_posix() != corrupt_key]


@pytest.fixture(scope="session")
def landing_con(small_landing: Path, simulation_truth) -> duckdb.DuckDBPyConnection:  # noqa: ANN001
    """In-memory DuckDB with one view per feed over `small_landing` (the corrupt file left
    out), each with the arrival day `dt` and the file `key`."""
    con = duckdb.connect()
    corrupt = (simulation_truth.messy.get("corrupt_file") or {}).get("key")
    for feed in contract.FEEDS:
        files = feed_files(small_landing, feed, corrupt)
        rel = con.read_parquet(files, hive_partitioning=True, filename=True)
        con.register(f"{feed}_raw", rel)
        # feed names are ours, never data
        con.execute(
            f"create view {feed} as select * exclude (filename), "
            f"regexp_extract(filename, '({feed}/dt=.*)$', 1) as key from {feed}_raw"
        )
    con.execute(
        "create view truth_calls as select * from "
        f"read_parquet('{small_landing}/_truth/calls.parquet')"
    )
    con.execute(
        "create view truth_sessions as select * from "
        f"read_parquet('{small_landing}/_truth/sessions.parquet')"
    )
    return con
