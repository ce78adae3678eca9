"""Incremental runs equal a full rebuild, whatever order the events arrive in."""

from __future__ import annotations

import random
from datetime import timedelta

import duckdb
import pytest

from pipelines.attribution.engine import ensure_tables, quality, run_attribution

from .conftest import DEFAULT, POOL, POOL2, SECRET, STATIC, T0, RawBuilder, World

M = timedelta(minutes=1)
POOL3 = "+15550000003"
TABLES = {
    "sessions": "account_id, session_id",
    "number_assignments": "account_id, session_id, tracking_number, assigned_at",
    "call_attribution": "call_id",
    "touches": "call_id, model, touch_index",
    "conversion_caller_keys": "event_id",
}


def _events(seed: int) -> dict[str, list[dict]]:
    """A small random world with every hard case: shared numbers (ambiguity), gaps longer
    than the timeout, re-assignments, repeat callers, blocked caller ids, calls missing their
    call.started, gclids with and without click rows, visitors with several sessions."""
    rng = random.Random(seed)
    w = World
    numbers = [POOL, POOL2, POOL3]
    beacons: list[dict] = []
    clicks: list[dict] = []
    for v in range(40):
        t = T0 + rng.randrange(0, 4 * 24 * 60) * M
        for s in range(rng.randint(1, 3)):
            sid = f"v{v}s{s}"
            extra: dict = {}
            r = rng.random()
            if r < 0.3:
                extra = {"gclid": f"g-{sid}"}
                if rng.random() < 0.7:
                    clicks.append(
                        {
                            "account_id": "A",
                            "gclid": f"g-{sid}",
                            "date": t.date(),
                            "ad_account_id": "AA",
                            "campaign_id": f"C{v % 3}",
                            "ad_group_id": f"AG{v % 5}",
                            "keyword_id": f"K{v}",
                            "keyword_text": f"kw {v}",
                            "match_type": "exact",
                        }
                    )
            elif r < 0.5:
                extra = {"utm_source": "google", "utm_medium": "cpc", "utm_term": f"term {v}"}
            elif r < 0.7:
                extra = {"referrer": rng.choice(["https://www.bing.com/", "https://yelp.com/"])}
            beacons.append(w.start(sid, t, visitor=f"v{v}", **extra))
            at = t + rng.randrange(0, 90) * timedelta(seconds=1)
            beacons.append(w.assign(sid, at, number=rng.choice(numbers), visitor=f"v{v}"))
            for _ in range(rng.randint(0, 6)):
                at += rng.choice([2, 5, 12, 35, 50]) * M  # some gaps exceed the 30-min timeout
                kind = rng.choice(["session.heartbeat", "page.viewed"])
                beacons.append(
                    w.beacon(sid, at, visitor=f"v{v}", kind=kind, page_url="https://acme.example/p")
                )
                if rng.random() < 0.15:
                    beacons.append(w.assign(sid, at, number=rng.choice(numbers), visitor=f"v{v}"))
            t = at + rng.randrange(60, 3 * 24 * 60) * M
    callers = [f"+1555300{i:04d}" for i in range(25)] + [None]
    calls: list[dict] = []
    for c in range(150):
        t = T0 + rng.randrange(0, 8 * 24 * 60) * M
        number = rng.choice(numbers * 4 + [STATIC, DEFAULT, "+15550009999"])
        cid = f"call{c}"
        caller = rng.choice(callers)
        if rng.random() < 0.9:
            calls.append(w.call(cid, t, number=number, caller=caller))
        calls.append(
            {
                "account_id": "A",
                "event_type": "call.ended",
                "call_id": cid,
                "occurred_at": t + rng.randrange(1, 20) * M,
                "tracking_number": number,
                "end_status": "completed",
                "duration_seconds": 60,
                "talk_seconds": 30,
            }
        )
    conversions = [
        {
            "account_id": "A",
            "event_type": "conversion.recorded",
            "occurred_at": T0 + i * M,
            "conversion_type": "sale",
            "caller_number": rng.choice(callers),
        }
        for i in range(20)
    ]
    # Stable event ids: the two worlds must hold the very same events.
    for feed, rows in (("b", beacons), ("c", calls), ("v", conversions)):
        for i, row in enumerate(rows):
            row["event_id"] = f"{feed}{i}"
    return {
        "dni_beacons": beacons,
        "call_events": calls,
        "ad_clicks": clicks,
        "conversions": conversions,
    }


# When a run wrote the row: differs between an incremental and a full run by design.
RUN_INSTANTS = {
    "sessions": "computed_at",
    "number_assignments": "computed_at",
    "call_attribution": "attributed_at",
}


def _snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    out = {}
    for table, key in TABLES.items():
        out[table] = con.execute(
            f"select * exclude ({RUN_INSTANTS.get(table, 'xx')}) "
            f"from (select *, null as xx from attribution.{table}) order by {key}"
        ).fetchall()
    return out


ASSIGNMENTS = (
    "select account_id, session_id, tracking_number, pool_id, assigned_at, held_until "
    "from attribution.number_assignments"
)


def _sessions_with_calls(con: duckdb.DuckDBPyConnection) -> dict[tuple, tuple]:
    """Each session's row (without computed_at) and the calls attributed to it."""
    rows = con.execute(
        """select s.account_id, s.session_id, s.* exclude (computed_at),
                  (select list(c.call_id order by c.call_id) from attribution.call_attribution c
                   where c.account_id = s.account_id and c.session_id = s.session_id)
           from attribution.sessions s"""
    ).fetchall()
    return {row[:2]: row[2:] for row in rows}


def _new_world() -> tuple[duckdb.DuckDBPyConnection, World]:
    con = duckdb.connect()
    w = World(RawBuilder(con))
    w.reference()
    w.raw.load("tracking_numbers", [w.number(POOL3, "pool", pool_id="P")])
    return con, w


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_equals_full_rebuild_in_any_order(seed: int) -> None:
    events = _events(seed)
    # Full: everything in one load, one run.
    full_con, full_w = _new_world()
    for feed, rows in events.items():
        full_w.raw.load(feed, rows)
    run_attribution(full_con, SECRET, full=True)
    expected = _snapshot(full_con)
    q = quality(full_con)
    # The world must exercise the hard paths, or the comparison proves little.
    assert q.matched > 10 and q.ambiguous > 0 and q.unattributed_pool > 0
    assert len(expected["touches"]) > 0

    # Incremental: the same events shuffled across feeds into 7 loads, a run after each.
    rng = random.Random(seed * 100)
    tagged = [(feed, row) for feed, rows in events.items() for row in rows]
    rng.shuffle(tagged)
    con, w = _new_world()
    modes = []
    cut = sorted(rng.sample(range(1, len(tagged)), 6))
    changed_sessions = 0
    ensure_tables(con)
    for chunk in (tagged[a:b] for a, b in zip([0, *cut], [*cut, len(tagged)], strict=True)):
        for feed in events:
            rows = [r for f, r in chunk if f == feed]
            if rows:
                w.raw.load(feed, rows)
        before = _sessions_with_calls(con)
        watermark = con.execute("select max(computed_at) from attribution.sessions").fetchone()
        assignments_before = set(con.execute(ASSIGNMENTS).fetchall())
        assignments_watermark = con.execute(
            "select max(computed_at) from attribution.number_assignments"
        ).fetchone()
        modes.append(run_attribution(con, SECRET).mode)
        # computed_at is the marts' watermark: every session that is new, whose row changed
        # or that gained or lost a call has one past the last run's (fct_sessions relies on it)
        after = _sessions_with_calls(con)
        changed = {key for key, row in after.items() if before.get(key) != row}
        changed_sessions += len(changed)
        if watermark[0] is not None:
            stale = con.execute(
                "select account_id, session_id from attribution.sessions "
                "where computed_at is null or computed_at <= ?",
                [watermark[0]],
            ).fetchall()
            assert not changed & set(stale)
        if assignments_watermark[0] is not None:
            # likewise an assignment that is new or changed has a computed_at past the last
            # run's (the marts' pool models rebuild from those only)
            kept = con.execute(
                ASSIGNMENTS + " where computed_at is null or computed_at <= ?",
                [assignments_watermark[0]],
            ).fetchall()
            assert set(kept) <= assignments_before
        # a touch carries its session's attributes as they are now (the marts read them there)
        stale_touches = con.execute(
            """select count(*) from attribution.touches t
               join attribution.call_attribution c using (call_id)
               join attribution.sessions s
                 on s.account_id = c.account_id and s.session_id = t.session_id
               where (t.channel, t.source, t.medium, t.campaign, t.keyword)
                     is distinct from (s.channel, s.source, s.medium, s.campaign, s.keyword)"""
        ).fetchone()
        assert stale_touches == (0,)
    assert modes[0] == "full" and set(modes[1:]) == {"incremental"}
    assert changed_sessions > 0
    assert _snapshot(con) == expected


def test_reference_change_rebuilds_everything() -> None:
    con, w = _new_world()
    w.raw.load("dni_beacons", [w.start("s1", T0), w.assign("s1", T0)])
    w.raw.load("call_events", [w.call("c", T0 + 40 * M)])
    run_attribution(con, SECRET)
    status = "select attribution_status from attribution.call_attribution"
    assert con.execute(status).fetchall() == [("unattributed",)]
    # A longer timeout in a new accounts snapshot re-attributes old calls.
    con.execute("delete from raw.accounts")
    w.raw.load(
        "accounts",
        [
            {
                "account_id": "A",
                "name": "Acme",
                "timezone": "UTC",
                "currency": "USD",
                "session_timeout_minutes": 60,
            }
        ],
    )
    stats = run_attribution(con, SECRET)
    assert stats.mode == "full"
    assert con.execute(status).fetchall() == [("matched",)]
    # A new secret re-keys every caller.
    before = con.execute("select caller_key from attribution.call_attribution").fetchall()
    assert run_attribution(con, "another-secret").mode == "full"
    assert con.execute("select caller_key from attribution.call_attribution").fetchall() != before


def test_incremental_run_touches_only_affected_calls() -> None:
    con, w = _new_world()
    w.raw.load(
        "dni_beacons",
        [
            w.start("s1", T0),
            w.assign("s1", T0),
            w.start("s9", T0 + 3000 * M),
            w.assign("s9", T0 + 3000 * M, number=POOL2),
        ],
    )
    w.raw.load(
        "call_events",
        [w.call("c1", T0 + 5 * M), w.call("c9", T0 + 3001 * M, number=POOL2, caller=None)],
    )
    run_attribution(con, SECRET)
    # A late heartbeat of s1 and a new call of another caller: c1 (its session changed) and the
    # new call are recomputed, c9 (other number, other time, other visitor) is not.
    w.raw.load("dni_beacons", [w.beacon("s1", T0 + 20 * M)])
    w.raw.load("call_events", [w.call("c2", T0 + 45 * M, caller="+15558880000")])
    stats = run_attribution(con, SECRET)
    assert stats.mode == "incremental"
    assert stats.calls_recomputed == 2
    assert stats.sessions_recomputed == 1
    status = dict(
        con.execute(
            "select call_id, attribution_status from attribution.call_attribution"
        ).fetchall()
    )
    assert status == {"c1": "matched", "c2": "matched", "c9": "matched"}


def test_matching_core_alone_equals_the_full_run() -> None:
    # match_pool_calls (the benchmark's matching-only path) must agree with run_attribution.
    from pipelines.attribution.engine import match_pool_calls

    con, w = _new_world()
    for feed, rows in _events(4).items():
        w.raw.load(feed, rows)
    run_attribution(con, SECRET)
    core = match_pool_calls(con).sort_by("call_id")  # noqa: F841 (read by the query below)
    cols = "call_id, attribution_status, candidate_count, session_id"
    full = con.execute(f"select {cols} from attribution.call_attribution order by 1").fetchall()
    got = con.execute(f"select {cols} from core order by 1").fetchall()
    assert len(full) == 150 and got == full


def test_rebuilt_raw_tables_trigger_a_full_rebuild() -> None:
    # Ingestion rebuilt from scratch restarts load ids: rows below the old watermark must not
    # be skipped.
    con, w = _new_world()
    w.raw.load("dni_beacons", [w.start("s1", T0), w.assign("s1", T0)], load_id=50)
    w.raw.load("call_events", [w.call("c", T0 + M)], load_id=51)
    run_attribution(con, SECRET)
    con.execute("delete from raw.call_events")
    w.raw.load("call_events", [w.call("c2", T0 + 2 * M)], load_id=3)
    stats = run_attribution(con, SECRET)
    assert (stats.mode, stats.reason) == ("full", "raw tables were rebuilt")
    ids = con.execute("select call_id from attribution.call_attribution").fetchall()
    assert ids == [("c2",)]
