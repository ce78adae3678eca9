"""Attribution semantics of design.md on small hand-written scenarios, one comment per case."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from pipelines.attribution.engine import (
    calls_missing_touches,
    ensure_tables,
    quality,
    run_attribution,
)
from pipelines.attribution.rules import caller_key_py, touch_weights

from .conftest import DEFAULT, POOL, SECRET, STATIC, T0, World

M = timedelta(minutes=1)
D = timedelta(days=1)


def _row(con: duckdb.DuckDBPyConnection, call_id: str) -> dict:
    cur = con.execute("select * from attribution.call_attribution where call_id = $1", [call_id])
    cols = [d[0] for d in cur.description]
    rows = cur.fetchall()
    assert len(rows) == 1, f"{call_id}: {len(rows)} rows"
    return dict(zip(cols, rows[0], strict=True))


def _timeout_boundary_inclusive(w: World) -> None:
    # Last beacon at T0, call exactly 30 min (the default timeout) later: still within.
    w.raw.load("dni_beacons", [w.start("s1", T0), w.assign("s1", T0)])
    w.raw.load("call_events", [w.call("c", T0 + 30 * M)])


def _timeout_boundary_one_second_late(w: World) -> None:
    # One second past the timeout: the session is over, the call is unattributed.
    w.raw.load("dni_beacons", [w.start("s1", T0), w.assign("s1", T0)])
    w.raw.load("call_events", [w.call("c", T0 + 30 * M + timedelta(seconds=1))])


def _account_timeout_used(w: World) -> None:
    # The account's own timeout (10 min) applies, not the 30-min default.
    w.raw.load("dni_beacons", [w.start("s1", T0), w.assign("s1", T0)])
    w.raw.load("call_events", [w.call("c", T0 + 15 * M)])


def _beacon_after_call_ignored(w: World) -> None:
    # The last beacon before the call is 40 min old; a beacon 1 min after the call start must
    # not revive the session (only beacons at or before t count).
    w.raw.load(
        "dni_beacons",
        [w.start("s1", T0), w.assign("s1", T0), w.beacon("s1", T0 + 41 * M)],
    )
    w.raw.load("call_events", [w.call("c", T0 + 40 * M)])


def _assignment_after_call_ignored(w: World) -> None:
    # The session got the number one second after the call started: not a candidate.
    w.raw.load(
        "dni_beacons", [w.start("s1", T0), w.assign("s1", T0 + 5 * M + timedelta(seconds=1))]
    )
    w.raw.load("call_events", [w.call("c", T0 + 5 * M)])


def _two_sessions_hold_one_number(w: World) -> None:
    # Both sessions active and assigned the number: ambiguous, the later assignment wins.
    w.raw.load(
        "dni_beacons",
        [
            w.start("s1", T0),
            w.assign("s1", T0),
            w.start("s2", T0 + 2 * M),
            w.assign("s2", T0 + 5 * M),
        ],
    )
    w.raw.load("call_events", [w.call("c", T0 + 10 * M)])


def _reused_number_after_timeout(w: World) -> None:
    # s1 held the number but timed out before s2 got it: only s2 is a candidate.
    w.raw.load(
        "dni_beacons",
        [
            w.start("s1", T0),
            w.assign("s1", T0),
            w.start("s2", T0 + 40 * M),
            w.assign("s2", T0 + 40 * M),
        ],
    )
    w.raw.load("call_events", [w.call("c", T0 + 45 * M)])


def _other_account_session(w: World) -> None:
    # A session of another account showing the same number is not a candidate.
    w.raw.load(
        "dni_beacons",
        [{**w.start("s1", T0), "account_id": "B"}, {**w.assign("s1", T0), "account_id": "B"}],
    )
    w.raw.load("call_events", [w.call("c", T0 + 5 * M)])


def _static_reassigned_before(w: World) -> None:
    # The static number was a billboard until T0, a radio spot from T0: a call just before T0.
    w.raw.load("call_events", [w.call("c", T0 - timedelta(seconds=1), number="+15550000200")])


def _static_reassigned_at(w: World) -> None:
    # ... and a call exactly at T0 takes the new row (valid_from inclusive, valid_to exclusive).
    w.raw.load("call_events", [w.call("c", T0, number="+15550000200")])


def _dst_fall_back(w: World) -> None:
    # New York falls back at 2026-11-01 06:00 UTC (02:00 EDT -> 01:00 EST). The last beacon at
    # 01:50 EDT and the call at 01:10 EST look 40 min *earlier* on the wall clock but are 20 min
    # apart: the engine works on UTC instants, so the call matches.
    last = datetime(2026, 11, 1, 5, 50, tzinfo=UTC)
    w.raw.load("dni_beacons", [w.start("s1", last - 5 * M), w.assign("s1", last)])
    w.raw.load("call_events", [w.call("c", last + 20 * M)])


def _unknown_number(w: World) -> None:
    # A number no tracking_numbers row knows: unattributed, nothing invented.
    w.raw.load("call_events", [w.call("c", T0, number="+15550009999")])


def _default_number(w: World) -> None:
    # The pool-exhausted default number: unattributed, website channel.
    w.raw.load("dni_beacons", [w.start("s1", T0), w.assign("s1", T0)])
    w.raw.load("call_events", [w.call("c", T0 + M, number=DEFAULT)])


def _static_number(w: World) -> None:
    # A static number takes its placement's channel, source, medium, campaign.
    w.raw.load("call_events", [w.call("c", T0, number=STATIC)])


def _gclid_without_click_row(w: World) -> None:
    # Paid search by its gclid, but no click-view row resolves it and no utm_term: no keyword.
    w.raw.load("dni_beacons", [w.start("s1", T0, gclid="G-missing"), w.assign("s1", T0)])
    w.raw.load("call_events", [w.call("c", T0 + M)])


def _gclid_with_click_row(w: World) -> None:
    # No utm_term: the keyword, ad group and ids come from the click view.
    w.raw.load(
        "ad_clicks",
        [
            {
                "account_id": "A",
                "gclid": "G1",
                "date": T0.date(),
                "ad_account_id": "AA",
                "campaign_id": "C9",
                "ad_group_id": "AG3",
                "keyword_id": "K7",
                "keyword_text": "emergency plumber",
                "match_type": "phrase",
            }
        ],
    )
    w.raw.load("dni_beacons", [w.start("s1", T0, gclid="G1"), w.assign("s1", T0)])
    w.raw.load("call_events", [w.call("c", T0 + M)])


def _utm_term_wins(w: World) -> None:
    # utm_term is the keyword even when the gclid resolves to another keyword text.
    w.raw.load(
        "ad_clicks",
        [
            {
                "account_id": "A",
                "gclid": "G1",
                "date": T0.date(),
                "ad_account_id": "AA",
                "campaign_id": "C9",
                "keyword_text": "from click",
            }
        ],
    )
    w.raw.load(
        "dni_beacons",
        [
            w.start(
                "s1",
                T0,
                gclid="G1",
                utm_term="from utm",
                utm_medium="cpc",
                utm_source="google",
                utm_campaign="brand",
            ),
            w.assign("s1", T0),
        ],
    )
    w.raw.load("call_events", [w.call("c", T0 + M)])


def _no_call_started(w: World) -> None:
    # call.started never arrived: the call starts at its earliest event (call.ended here).
    w.raw.load("dni_beacons", [w.start("s1", T0), w.assign("s1", T0)])
    w.raw.load(
        "call_events",
        [
            {
                "account_id": "A",
                "event_type": "call.ended",
                "occurred_at": T0 + 10 * M,
                "call_id": "c",
                "tracking_number": POOL,
                "end_status": "completed",
                "duration_seconds": 60,
                "talk_seconds": 50,
            },
            {
                "account_id": "A",
                "event_type": "call.answered",
                "occurred_at": T0 + 9 * M,
                "call_id": "c",
                "tracking_number": POOL,
            },
        ],
    )


def _null_caller(w: World) -> None:
    # Caller id blocked: no caller_key, first-time status unknown (null), not false.
    w.raw.load("call_events", [w.call("c", T0, number=STATIC, caller=None)])


CASES: list[tuple[str, Callable[[World], None], dict, dict]] = [
    (
        "timeout_boundary_inclusive",
        _timeout_boundary_inclusive,
        {},
        {"attribution_status": "matched", "session_id": "s1", "candidate_count": 1},
    ),
    (
        "timeout_boundary_plus_1s",
        _timeout_boundary_one_second_late,
        {},
        {
            "attribution_status": "unattributed",
            "session_id": None,
            "candidate_count": 0,
            "channel": "Website (unattributed)",
        },
    ),
    (
        "account_timeout_10min",
        _account_timeout_used,
        {"session_timeout_minutes": 10},
        {"attribution_status": "unattributed", "candidate_count": 0},
    ),
    (
        "beacon_after_call_ignored",
        _beacon_after_call_ignored,
        {},
        {"attribution_status": "unattributed", "session_id": None},
    ),
    (
        "assignment_after_call_ignored",
        _assignment_after_call_ignored,
        {},
        {"attribution_status": "unattributed", "session_id": None},
    ),
    (
        "two_sessions_one_number",
        _two_sessions_hold_one_number,
        {},
        {"attribution_status": "ambiguous", "candidate_count": 2, "session_id": "s2"},
    ),
    (
        "number_reused_after_timeout",
        _reused_number_after_timeout,
        {},
        {"attribution_status": "matched", "candidate_count": 1, "session_id": "s2"},
    ),
    (
        "other_account_session",
        _other_account_session,
        {},
        {"attribution_status": "unattributed", "session_id": None},
    ),
    (
        "static_reassigned_before",
        _static_reassigned_before,
        {},
        {"attribution_status": "static", "channel": "Billboard", "source": "lamar"},
    ),
    (
        "static_reassigned_at",
        _static_reassigned_at,
        {},
        {"attribution_status": "static", "channel": "Radio", "source": "kxyz"},
    ),
    ("dst_fall_back", _dst_fall_back, {}, {"attribution_status": "matched", "session_id": "s1"}),
    (
        "unknown_number",
        _unknown_number,
        {},
        {
            "attribution_status": "unattributed",
            "number_kind": None,
            "channel": None,
            "candidate_count": None,
        },
    ),
    (
        "default_number",
        _default_number,
        {},
        {
            "attribution_status": "unattributed",
            "number_kind": "default",
            "session_id": None,
            "channel": "Website (unattributed)",
        },
    ),
    (
        "static_number",
        _static_number,
        {},
        {
            "attribution_status": "static",
            "channel": "Billboard",
            "medium": "ooh",
            "campaign": "fall",
            "session_id": None,
        },
    ),
    (
        "gclid_without_click_row",
        _gclid_without_click_row,
        {},
        {
            "attribution_status": "matched",
            "channel": "Paid Search",
            "source": "google",
            "medium": "cpc",
            "keyword": None,
            "gclid": "G-missing",
            "keyword_id": None,
        },
    ),
    (
        "gclid_with_click_row",
        _gclid_with_click_row,
        {},
        {
            "channel": "Paid Search",
            "keyword": "emergency plumber",
            "match_type": "phrase",
            "campaign_id": "C9",
            "ad_group_id": "AG3",
            "keyword_id": "K7",
            "ad_group": "AG3",
        },
    ),
    (
        "utm_term_wins",
        _utm_term_wins,
        {},
        {"keyword": "from utm", "campaign": "brand", "campaign_id": "C9"},
    ),
    (
        "no_call_started",
        _no_call_started,
        {},
        {"started_at": T0 + 9 * M, "attribution_status": "matched", "caller_key": None},
    ),
    (
        "null_caller",
        _null_caller,
        {},
        {"caller_key": None, "is_first_time_caller": None, "attribution_status": "static"},
    ),
]


@pytest.mark.parametrize(
    ("build", "account", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_call_attribution_case(world: World, build, account: dict, expected: dict) -> None:
    world.reference(**account)
    world.raw.load(
        "tracking_numbers",
        [
            world.number(
                "+15550000200", "static", channel="Billboard", source="lamar", valid_to=T0
            ),
            world.number("+15550000200", "static", valid_from=T0, channel="Radio", source="kxyz"),
        ],
    )
    build(world)
    run_attribution(world.raw.con, SECRET)
    row = _row(world.raw.con, "c")
    assert {k: row[k] for k in expected} == expected


def test_first_time_caller_over_all_history(world: World) -> None:
    # Same caller: first call ever is first-time, later ones repeat, also across numbers; the
    # same number calling another account is first-time there.
    world.reference()
    world.raw.load(
        "call_events",
        [
            world.call("c2", T0 + D, number=STATIC),
            world.call("c1", T0, number=POOL),
            world.call("c3", T0 + 2 * D, number=DEFAULT),
            {**world.call("b1", T0 + 3 * D), "account_id": "B"},
            world.call("x1", T0 + D, caller="+15557770000"),
        ],
    )
    con = world.raw.con
    run_attribution(con, SECRET)
    got = dict(
        con.execute(
            "select call_id, is_first_time_caller from attribution.call_attribution"
        ).fetchall()
    )
    assert got == {"c1": True, "c2": False, "c3": False, "b1": True, "x1": True}
    key = con.execute(
        "select distinct caller_key from attribution.call_attribution where call_id like 'c%'"
    ).fetchall()
    assert key == [(caller_key_py(SECRET, "+15551230000"),)]


def test_no_phone_number_or_ip_leaves_raw(world: World) -> None:
    world.reference()
    world.raw.load(
        "dni_beacons", [world.start("s1", T0, ip_address="203.0.113.9"), world.assign("s1", T0)]
    )
    world.raw.load("call_events", [world.call("c", T0 + M, caller="+15551239876")])
    world.raw.load(
        "conversions",
        [
            {
                "account_id": "A",
                "event_type": "conversion.recorded",
                "occurred_at": T0 + D,
                "conversion_type": "sale",
                "caller_number": "+15551239876",
            }
        ],
    )
    con = world.raw.con
    run_attribution(con, SECRET)
    for table in (
        "sessions",
        "number_assignments",
        "call_attribution",
        "touches",
        "conversion_caller_keys",
    ):
        text = str(con.execute(f"select * from attribution.{table}").fetchall())
        assert "+15551239876" not in text and "203.0.113.9" not in text, table
    assert con.execute("select caller_key from attribution.conversion_caller_keys").fetchall() == [
        (caller_key_py(SECRET, "+15551239876"),)
    ]


def test_visitor_with_20_sessions_in_lookback(world: World) -> None:
    # 20 sessions a day apart within the 30-day lookback, one older than the lookback and one
    # opened after the matched session: the path is exactly the 20, matched one last.
    world.reference()
    beacons = [world.start("old", T0 - 31 * D, visitor="v")]
    for i in range(19):
        beacons.append(world.start(f"s{i:02d}", T0 - (19 - i) * D, visitor="v"))
    beacons += [
        world.start("m", T0, visitor="v"),
        world.assign("m", T0, visitor="v"),
        world.start("later", T0 + M, visitor="v"),
    ]
    world.raw.load("dni_beacons", beacons)
    world.raw.load("call_events", [world.call("c", T0 + 2 * M)])
    con = world.raw.con
    run_attribution(con, SECRET)
    assert _row(con, "c")["session_id"] == "m"
    rows = con.execute(
        "select model, session_id, weight, touch_index, session_started_at from "
        "attribution.touches order by model, touch_index"
    ).fetchall()
    by_model: dict[str, list] = {}
    for model, sid, weight, idx, started in rows:
        by_model.setdefault(model, []).append((sid, weight, idx, started))
    linear = by_model["linear"]
    assert [r[0] for r in linear] == [f"s{i:02d}" for i in range(19)] + ["m"]
    call_at = T0 + 2 * M
    ages = [(call_at - r[3]).total_seconds() / 86400 for r in linear]
    for model, got in by_model.items():
        weights = [r[1] for r in got]
        assert math.isclose(sum(weights), 1.0, abs_tol=1e-9), model
        expected = touch_weights(model, ages)
        nonzero = [(i + 1, w) for i, w in enumerate(expected) if w > 0]
        assert [(r[2], pytest.approx(r[1])) for r in got] == nonzero, model
    assert by_model["last_touch"][0][0] == "m"
    assert by_model["first_touch"][0][0] == "s00"
    assert calls_missing_touches(con) == 0
    assert quality(con).bad_weight_groups == 0


def test_unattributed_and_static_calls_get_no_touches(world: World) -> None:
    world.reference()
    world.raw.load("call_events", [world.call("c1", T0, number=STATIC), world.call("c2", T0)])
    con = world.raw.con
    run_attribution(con, SECRET)
    assert con.execute("select count(*) from attribution.touches").fetchone() == (0,)


def test_sessions_table(world: World) -> None:
    world.reference(session_timeout_minutes=20)
    world.raw.load(
        "dni_beacons",
        [
            world.start("s1", T0, referrer="https://www.google.com/", ip_address="203.0.113.9"),
            world.beacon("s1", T0 + M, kind="page.viewed", page_url="https://acme.example/b"),
            world.assign("s1", T0 + M),
            world.beacon("s1", T0 + 3 * M),
        ],
    )
    con = world.raw.con
    run_attribution(con, SECRET)
    cur = con.execute("select * from attribution.sessions")
    cols = [d[0] for d in cur.description]
    row = dict(zip(cols, cur.fetchone(), strict=True))
    assert "ip_address" not in cols
    assert row["started_at"] == T0 and row["last_beacon_at"] == T0 + 3 * M
    assert row["ended_at"] == T0 + 23 * M
    assert (row["beacon_count"], row["page_views"]) == (4, 2)
    assert row["landing_page"] == "https://acme.example/?x=1"
    assert (row["channel"], row["source"], row["medium"]) == (
        "Organic Search",
        "www.google.com",
        "organic",
    )
    na = con.execute(
        "select session_id, tracking_number, pool_id, assigned_at, held_until "
        "from attribution.number_assignments"
    ).fetchall()
    assert na == [("s1", POOL, "P", T0 + M, T0 + 23 * M)]
    # the run's instant, as for its calls
    assert row["computed_at"] is not None


def test_removed_sessions_are_recorded(world: World) -> None:
    world.reference()
    world.raw.load(
        "dni_beacons",
        [world.start("s1", T0), world.start("s2", T0 + M), world.beacon("s2", T0 + 2 * M)],
    )
    con = world.raw.con
    run_attribution(con, SECRET)
    deleted = "select session_id, started_at from attribution.deleted_sessions"
    assert con.execute(deleted).fetchall() == []
    # s2's beacons erased from the raw zone (a privacy request): the next full run drops the
    # session and records it, once
    con.execute("delete from raw.dni_beacons where session_id = 's2'")
    run_attribution(con, SECRET, full=True)
    sessions = con.execute("select session_id from attribution.sessions").fetchall()
    assert sessions == [("s1",)]
    assert con.execute(deleted).fetchall() == [("s2", T0 + M)]
    run_attribution(con, SECRET, full=True)
    assert con.execute(deleted).fetchall() == [("s2", T0 + M)]
    # an incremental run rewrites the sessions with new beacons: none is removed
    world.raw.load("dni_beacons", [world.beacon("s1", T0 + 3 * M)])
    assert run_attribution(con, SECRET).mode == "incremental"
    assert con.execute(deleted).fetchall() == [("s2", T0 + M)]


def test_sessions_table_from_before_computed_at_gains_it() -> None:
    con = duckdb.connect()
    con.execute("create schema attribution")
    con.execute("create table attribution.sessions (account_id varchar, session_id varchar)")
    con.execute("insert into attribution.sessions values ('A', 's_old')")
    ensure_tables(con)
    rows = con.execute("select session_id, computed_at from attribution.sessions").fetchall()
    assert rows == [("s_old", None)]


def test_missing_raw_tables_is_a_clear_error() -> None:
    con = duckdb.connect()
    with pytest.raises(RuntimeError, match="missing: raw.dni_beacons"):
        run_attribution(con, SECRET)


def test_rerun_is_idempotent(world: World) -> None:
    world.reference()
    world.raw.load("dni_beacons", [world.start("s1", T0), world.assign("s1", T0)])
    world.raw.load("call_events", [world.call("c", T0 + M)])
    con = world.raw.con
    run_attribution(con, SECRET)
    before = con.execute(
        "select * exclude (attributed_at) from attribution.call_attribution"
    ).fetchall()
    stats = run_attribution(con, SECRET)
    assert stats.reason == "no new raw rows"
    run_attribution(con, SECRET, full=True)
    after = con.execute(
        "select * exclude (attributed_at) from attribution.call_attribution"
    ).fetchall()
    assert before == after
