"""Attribution against the simulator's ground truth (small landing zone, ingested for real)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.attribution.engine import quality

pytestmark = pytest.mark.xdist_group("simulate")


@pytest.fixture(scope="module")
def con(attributed_warehouse: Path, simulation_truth):  # noqa: ANN001, ANN201
    c = duckdb.connect(str(attributed_warehouse), read_only=True)
    c.register("truth", simulation_truth.calls)
    yield c
    c.close()


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row


def test_unique_candidates_match_their_true_session(con: duckdb.DuckDBPyConnection) -> None:
    total, ok = _one(
        con,
        """
        select count(*), count(*) filter (where a.session_id = t.true_session_id)
        from truth t join attribution.call_attribution a using (call_id)
        where t.true_session_was_unique_candidate
        """,
    )
    assert total > 50  # the small landing zone has a few hundred web calls
    print(f"unique-candidate calls matched to their true session: {ok}/{total}")
    assert ok / total >= 0.99


def test_no_call_matched_to_a_session_assigned_after_it(con: duckdb.DuckDBPyConnection) -> None:
    # Checked against the raw beacons, independently of the engine's holds.
    (bad,) = _one(
        con,
        """
        select count(*) from attribution.call_attribution a
        where a.session_id is not null and not exists (
            select 1 from raw.dni_beacons b
            where b.account_id = a.account_id and b.session_id = a.session_id
              and b.event_type = 'number.assigned' and b.tracking_number = a.tracking_number
              and b.occurred_at <= a.started_at)
        """,
    )
    assert bad == 0


def test_every_call_once_and_as_the_rules_expect(con: duckdb.DuckDBPyConnection) -> None:
    # The simulator records what design.md's rules conclude from the data it wrote (status,
    # winning session, candidate count, first-time caller); we must agree on every call.
    calls, rows, missing, status, session, count, first = _one(
        con,
        """
        select (select count(*) from truth), (select count(*) from attribution.call_attribution),
               count(*) filter (where a.call_id is null),
               count(*) filter (where a.attribution_status = t.expected_attribution_status),
               count(*) filter (where a.session_id is not distinct from t.expected_session_id),
               count(*) filter (where t.number_kind <> 'pool'
                                or a.candidate_count = t.expected_candidate_count),
               count(*) filter (where a.is_first_time_caller
                                is not distinct from t.is_first_time_caller)
        from truth t left join attribution.call_attribution a using (call_id)
        """,
    )
    assert rows == calls and missing == 0
    assert (status, session, count, first) == (calls, calls, calls, calls)


def test_channel_and_keyword_of_correct_matches(con: duckdb.DuckDBPyConnection) -> None:
    # Where we found the true session, its channel (design.md's rule table) and, where the data
    # shows it (utm_term or a resolvable gclid), its keyword are the simulator's.
    total, channel_ok, kw_total, kw_ok = _one(
        con,
        """
        select count(*), count(*) filter (where a.channel = t.channel),
               count(*) filter (where t.keyword_observable),
               count(*) filter (where t.keyword_observable and a.keyword = t.keyword)
        from truth t join attribution.call_attribution a using (call_id)
        where a.session_id = t.true_session_id
        """,
    )
    assert total > 50 and kw_total > 10
    assert channel_ok == total
    assert kw_ok == kw_total


def test_ambiguity_rate_reported(con: duckdb.DuckDBPyConnection) -> None:
    q = quality(con)
    expected_ambiguous = _one(
        con, "select count(*) from truth where expected_attribution_status = 'ambiguous'"
    )[0]
    print(f"pool calls {q.pool_calls}, coverage {q.coverage:.3f}, ambiguity {q.ambiguity_rate:.3f}")
    assert q.ambiguous == expected_ambiguous
    assert q.ambiguity_rate is not None and 0 <= q.ambiguity_rate < 0.2
    assert q.duplicate_call_rows == 0 and q.bad_weight_groups == 0


def test_accuracy_vs_truth_metadata(con: duckdb.DuckDBPyConnection, small_landing: Path) -> None:
    # What the asset reports as metadata when the landing zone carries a simulator's truth.
    from pipelines.attribution.engine import accuracy_vs_truth

    acc = accuracy_vs_truth(con, str(small_landing / "_truth" / "calls.parquet"))
    assert acc["unique_candidate_calls"] > 50
    assert acc["unique_candidate_accuracy"] >= 0.99
    assert acc["matched_before_assignment"] == 0
    assert acc["status_agreement"] == 1.0


def test_asset_reports_truth_metadata(
    loaded_warehouse: Path, small_landing: Path, tmp_path: Path
) -> None:
    import shutil

    import dagster as dg

    from pipelines.attribution.definitions import defs
    from pipelines.resources import CalltrackSettings, build_resources

    wh = tmp_path / "wh.duckdb"
    shutil.copy(loaded_warehouse, wh)
    settings = CalltrackSettings(warehouse_path=str(wh), landing_uri=str(small_landing))
    result = dg.materialize(
        list(defs.assets or []) + list(defs.asset_checks or []),
        resources=build_resources(settings),
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    meta = next(
        m.materialization.metadata
        for m in result.get_asset_materialization_events()
        if m.asset_key == dg.AssetKey(["attribution", "call_attribution"])
    )
    assert meta["truth/unique_candidate_accuracy"].value >= 0.99
    assert meta["truth/matched_before_assignment"].value == 0
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {
        "one_row_per_call": True,
        "weights_sum_to_one": True,
        "no_match_before_assignment": True,
        "pool_coverage": True,
    }
