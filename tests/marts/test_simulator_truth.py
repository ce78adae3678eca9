"""Correctness on simulator data: the small landing zone, ingested (ingest.load) and attributed
(pipelines.attribution), then dbt, checked against the simulator's `_truth/`.

Per channel, calls, qualified, missed, first-time and converted calls equal the truth-derived
counts for every call whose channel the rules can know: static numbers, and pool calls whose
true session was the unique candidate. The others are documented as ambiguous/unattributed or
indistinguishable (another session held the number too), so their channel may differ; their
call facts still must not.
"""

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.marts.cli import prepare_warehouse, run_dbt
from pipelines.settings import Settings

# the simulator session fixtures are shared with the attribution accuracy tests
pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.xdist_group("simulate")]


@pytest.fixture(scope="module")
def marts_warehouse(attributed_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("marts_sim") / "warehouse.duckdb"
    shutil.copy(attributed_warehouse, path)
    settings = Settings(warehouse_path=str(path))
    prepare_warehouse(settings)
    # build = run + every dbt test (keys, relationships, enums, invariants) on real-shaped data
    assert run_dbt(["build", "--quiet"], settings) == 0
    return path


@pytest.fixture
def con(marts_warehouse: Path, simulation_truth):  # noqa: ANN001, ANN201
    c = duckdb.connect(str(marts_warehouse), read_only=True)
    c.register("truth_calls", simulation_truth.calls)
    c.register("truth_conversions", simulation_truth.conversions)
    c.register("truth_ad_spend", simulation_truth.ad_spend)
    yield c
    c.close()


def test_channel_counts_equal_truth(con: duckdb.DuckDBPyConnection) -> None:
    knowable = """
        select call_id from truth_calls
        where expected_attribution_status = 'static'
           or (expected_attribution_status = 'matched' and true_session_was_unique_candidate)"""
    truth = con.execute(
        f"""select channel, count(*), count(*) filter (where is_qualified),
                   count(*) filter (where not is_answered),
                   count(*) filter (where is_first_time_caller),
                   count(*) filter (where is_converted)
            from truth_calls where call_id in ({knowable}) group by 1 order by 1"""
    ).fetchall()
    mart = con.execute(
        f"""select channel, count(*), count(*) filter (where is_qualified),
                   count(*) filter (where is_missed),
                   count(*) filter (where is_first_time_caller),
                   count(*) filter (where is_converted)
            from marts.fct_calls where call_id in ({knowable}) group by 1 order by 1"""
    ).fetchall()
    assert len(truth) >= 8  # web and offline channels both present
    assert mart == truth


def test_mart_channel_performance_agrees_with_fct_calls(con: duckdb.DuckDBPyConnection) -> None:
    by_channel = con.execute(
        """select channel, sum(calls), sum(qualified_calls), sum(missed_calls),
                  sum(first_time_calls), sum(converted_calls)
           from marts.mart_channel_performance group by 1 having sum(calls) > 0 order by 1"""
    ).fetchall()
    facts = con.execute(
        """select channel, count(*), count(*) filter (where is_qualified),
                  count(*) filter (where is_missed), count(*) filter (where is_first_time_caller),
                  count(*) filter (where is_converted)
           from marts.fct_calls group by 1 order by 1"""
    ).fetchall()
    assert by_channel == facts


def test_call_facts_equal_truth_for_every_call(con: duckdb.DuckDBPyConnection) -> None:
    n_truth, n_mart = con.execute(
        "select (select count(*) from truth_calls), (select count(*) from marts.fct_calls)"
    ).fetchone()
    assert n_truth == n_mart
    wrong = con.execute(
        """select t.call_id
           from truth_calls as t join marts.fct_calls as f using (call_id)
           where t.is_qualified <> f.is_qualified
              or t.is_answered <> f.is_answered
              or t.is_first_time_caller is distinct from f.is_first_time_caller
              or t.is_converted <> f.is_converted
              or t.conversion_count <> f.conversion_count
              or t.talk_seconds is distinct from f.talk_seconds"""
    ).fetchall()
    assert wrong == []


def test_conversions_link_to_the_rule_linked_call(con: duckdb.DuckDBPyConnection) -> None:
    linked = con.execute(
        """select count(*), count(*) filter (
               where l.call_id is not distinct from t.expected_call_id)
           from truth_conversions as t
           join intermediate.int_conversions_linked as l on t.event_id = l.conversion_id"""
    ).fetchone()
    assert linked[0] > 0 and linked[0] == linked[1]


def test_ad_spend_equals_final_restated_truth(con: duckdb.DuckDBPyConnection) -> None:
    truth = con.execute(
        """select account_id, date, currency, sum(cost) from truth_ad_spend
           group by all order by all"""
    ).fetchall()
    mart = con.execute(
        """select account_id, date_local, currency, sum(spend)::decimal(18, 2)
           from marts.mart_channel_performance
           where channel in ('Paid Search', 'Paid Social') and spend is not null
           group by all order by all"""
    ).fetchall()
    assert truth and mart == truth
