"""Warehouse tables owned by call scoring (schema `ml`).

Created empty by the pipeline before any model has run, so `fct_calls.call_score` is null
rather than the build failing.
"""

import duckdb

CALL_SCORES_DDL = """
create table if not exists ml.call_scores (
    call_id varchar primary key,
    model_version varchar not null,
    score double not null,          -- 0..100, likelihood to convert within 30 days
    scored_at timestamp with time zone not null
)
"""

MODEL_RUNS_DDL = """
create table if not exists ml.model_runs (
    run_id varchar primary key,
    model_version varchar not null,
    kind varchar not null,          -- train | tune | evaluate
    model_type varchar,
    config_json varchar,
    feature_set varchar,
    data_window_start date,
    data_window_end date,
    metrics_json varchar,
    artifact_path varchar,
    code_version varchar,
    created_at timestamp with time zone not null
)
"""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists ml")
    con.execute(CALL_SCORES_DDL)
    con.execute(MODEL_RUNS_DDL)
