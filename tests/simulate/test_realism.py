"""The simulated data is realistic, not uniform noise: each property of issue 2 is asserted on
the landing files themselves (what the pipeline will see), checked against the truth."""

from __future__ import annotations

import wave
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

from ingest import contract

pytestmark = pytest.mark.xdist_group("simulate")


def rows(con, sql: str) -> list[tuple]:  # noqa: ANN001
    return con.sql(sql).fetchall()


def one(con, sql: str):  # noqa: ANN001, ANN201
    return con.sql(sql).fetchone()[0]


# --- accounts and numbers ------------------------------------------------------------------


def test_accounts_differ_in_timezone_currency_and_threshold(landing_con) -> None:
    accts = rows(
        landing_con,
        "select distinct account_id, timezone, currency, qualified_call_seconds from accounts",
    )
    assert len(accts) >= 3
    assert len({a[1] for a in accts}) >= 3
    assert len({a[2] for a in accts}) >= 3
    thresholds = {a[3] for a in accts}
    assert len(thresholds - {None}) >= 2
    assert None in thresholds  # one account relies on the contract's default (90 s)


def test_one_account_has_several_locations(landing_con) -> None:
    per_account = rows(
        landing_con,
        "select account_id, count(distinct location_id) from tracking_numbers group by 1",
    )
    assert sum(1 for _, n in per_account if n >= 2) == 1
    # and its calls ring those locations
    assert (
        one(
            landing_con,
            "select count(distinct location_id) from truth_calls where location_id is not null",
        )  # fmt: skip
        >= 2
    )


def test_reference_snapshots_are_resent_and_one_number_is_reassigned(landing_con) -> None:
    for feed in ("accounts", "tracking_numbers", "offline_spend"):
        assert one(landing_con, f"select count(distinct dt) from {feed}") >= 2, feed
    newest = "(select max(dt) from tracking_numbers)"
    reassigned = rows(
        landing_con,
        f"select tracking_number, list(source order by valid_from), list(valid_to order by "
        f"valid_from) from tracking_numbers where dt = {newest} group by 1 having count(*) = 2",
    )
    assert len(reassigned) == 1
    number, sources, valid_to = reassigned[0]
    assert sources[0] != sources[1] and valid_to[0] is not None and valid_to[1] is None
    # calls reached the number under both placements, and the truth follows the valid row
    by_source = rows(
        landing_con,
        f"select source, count(*) from truth_calls where tracking_number = '{number}' group by 1",
    )
    assert {s for s, _ in by_source} == set(sources)


def test_static_numbers_carry_offline_placements(landing_con) -> None:
    statics = rows(
        landing_con,
        "select distinct channel from tracking_numbers where number_kind = 'static'",
    )
    channels = {c for (c,) in statics}
    assert channels and not channels & set(contract.WEB_CHANNELS)
    assert one(landing_con, "select count(*) from truth_calls where number_kind = 'static'") > 20
    months = rows(landing_con, "select distinct month from offline_spend")
    assert all(m.day == 1 for (m,) in months)


def test_calls_to_unknown_numbers(landing_con) -> None:
    unknown = one(
        landing_con,
        "select count(distinct call_id) from call_events where event_type = 'call.started' "
        "and tracking_number not in (select tracking_number from tracking_numbers)",
    )
    assert unknown > 0
    assert unknown == one(
        landing_con, "select count(*) from truth_calls where number_kind = 'unknown'"
    )


# --- traffic -------------------------------------------------------------------------------

SEARCH = ("google", "bing", "yahoo", "duckduckgo", "baidu", "yandex")
SOCIAL = ("facebook", "instagram", "twitter", "linkedin", "reddit", "youtube", "tiktok")


def channel_of(gclid, msclkid, fbclid, source, medium, referrer) -> str:  # noqa: ANN001
    """design.md's channel rule, written out independently of the pipeline's implementation."""
    medium = (medium or "").strip().lower()
    if gclid or msclkid or medium in ("cpc", "ppc", "paid_search", "paidsearch"):
        return "Paid Search"
    if fbclid or medium in ("paid_social", "paidsocial"):
        return "Paid Social"
    if medium == "email":
        return "Email"
    if medium in ("display", "banner"):
        return "Display"
    if referrer:
        host = urlparse(referrer).hostname or ""
        labels = host.split(".")
        if any(s in labels for s in SEARCH):
            return "Organic Search"
        if host in ("t.co", "x.com") or any(s in labels for s in SOCIAL):
            return "Organic Social"
        return "Referral"
    return "Direct"


def test_channel_mix_covers_every_channel_and_matches_the_truth(landing_con) -> None:
    started = rows(
        landing_con,
        "select distinct b.session_id, b.gclid, msclkid, fbclid, utm_source, utm_medium, referrer, "
        "t.channel from dni_beacons b join truth_sessions t using (session_id) "
        "where event_type = 'session.started' and b.schema_version = 1 "
        "and b.session_id is not null",
    )
    derived = {}
    for sid, *attrs, truth in started:
        ch = channel_of(*attrs)
        assert ch == truth, (sid, attrs, truth)
        derived[sid] = ch
    n = len(derived)
    share = {c: sum(1 for v in derived.values() if v == c) / n for c in contract.WEB_CHANNELS}
    assert all(s >= 0.01 for s in share.values()), share  # every channel present
    assert 0.15 <= share["Paid Search"] <= 0.45, share
    assert 0.10 <= share["Organic Search"] <= 0.40, share
    assert share["Direct"] >= 0.05, share


def test_paid_search_tagging_variants(landing_con) -> None:
    variants = dict(
        rows(
            landing_con,
            "select (gclid is not null)::int * 2 + (utm_term is not null)::int, count(*) "
            "from dni_beacons where event_type = 'session.started' and "
            "(gclid is not null or utm_medium = 'cpc') group by 1",
        )
    )
    assert variants.get(3, 0) > 0  # gclid and utm_term
    assert variants.get(2, 0) > 0  # gclid only: the click view resolves the keyword
    assert variants.get(1, 0) > 0  # utm_term only
    assert one(landing_con, "select count(*) from dni_beacons where msclkid is not null") > 0
    assert one(landing_con, "select count(*) from dni_beacons where fbclid is not null") > 0


def test_click_view_resolves_most_but_not_all_gclids(landing_con) -> None:
    gclids = one(landing_con, "select count(distinct gclid) from dni_beacons")
    in_view = one(
        landing_con,
        "select count(distinct gclid) from ad_clicks where gclid in "
        "(select gclid from dni_beacons)",
    )
    outside = "select count(*) from ad_clicks where gclid not in "
    outside += "(select gclid from dni_beacons where gclid is not null)"
    assert one(landing_con, outside) == 0
    assert 0.8 * gclids < in_view < gclids  # some deliberately missing


def test_visitors_return_across_days(landing_con) -> None:
    multi = one(
        landing_con,
        "select count(*) from (select visitor_id from truth_sessions "
        "group by 1 having count(distinct started_at::date) >= 2)",
    )
    visitors = one(landing_con, "select count(distinct visitor_id) from truth_sessions")
    assert multi / visitors >= 0.05


def test_daily_and_weekly_seasonality_in_local_time(landing_con) -> None:
    by_hour = dict(
        rows(
            landing_con,
            "select hour(timezone(a.timezone, s.started_at)), count(*) from truth_sessions s "
            "join (select distinct account_id, timezone from accounts) a using (account_id) "
            "group by 1",
        )
    )
    day = sum(by_hour.get(h, 0) for h in range(10, 15))
    night = sum(by_hour.get(h, 0) for h in range(1, 6))
    assert day > 5 * night
    # whole local days only (the period's first and last UTC days cut local days in half)
    by_dow = dict(
        rows(
            landing_con,
            "with s as (select timezone(a.timezone, s.started_at)::date as d from truth_sessions s "
            "join (select distinct account_id, timezone from accounts) a using (account_id)), "
            "inner_days as (select d from s where d > (select min(d) from s) + 1 "
            "and d < (select max(d) from s) - 1) "
            "select isodow(d) >= 6, count(*) / count(distinct d) from inner_days group by 1",
        )
    )
    assert by_dow[False] > 1.15 * by_dow[True]  # weekdays busier than weekends


# --- DNI pools -----------------------------------------------------------------------------


def test_busy_hours_exhaust_pools(landing_con) -> None:
    defaults = one(
        landing_con,
        "select count(*) from dni_beacons b join tracking_numbers n using (tracking_number) "
        "where b.event_type = 'number.assigned' and n.number_kind = 'default'",
    )
    sessions = one(landing_con, "select count(*) from truth_sessions")
    assert 0.005 * sessions < defaults < 0.2 * sessions
    # two live sessions holding one number at once: an overlap of holds on the same number
    overlaps = one(
        landing_con,
        "with a as (select b.tracking_number, b.session_id, b.occurred_at as assigned_at, "
        "t.last_beacon_at + interval 30 minute as held_until from dni_beacons b "
        "join truth_sessions t using (session_id) where b.event_type = 'number.assigned') "
        "select count(*) from a x join a y on x.tracking_number = y.tracking_number "
        "and x.session_id < y.session_id and y.assigned_at between x.assigned_at "
        "and x.held_until join tracking_numbers n on n.tracking_number = x.tracking_number "
        "and n.number_kind = 'pool'",
    )
    assert overlaps > 0
    assert one(landing_con, "select count(*) from truth_calls "
                            "where expected_attribution_status = 'ambiguous'") > 0  # fmt: skip


def test_callers_after_timeout_are_not_unique_candidates(landing_con) -> None:
    late = rows(
        landing_con,
        "select true_session_was_unique_candidate, expected_attribution_status "
        "from truth_calls where called_after_timeout",
    )
    assert late
    assert not any(unique for unique, _ in late)
    on_time = one(
        landing_con,
        "select avg(true_session_was_unique_candidate::int) from truth_calls "
        "where number_kind = 'pool' and not called_after_timeout",
    )
    assert on_time > 0.8


# --- calls ---------------------------------------------------------------------------------


def test_answer_rate_follows_staffing_hours(landing_con) -> None:
    by_hour = dict(
        rows(
            landing_con,
            "select hour(timezone(a.timezone, c.started_at)) between 9 and 16, "
            "avg(is_answered::int) from truth_calls c join (select distinct account_id, timezone "
            "from accounts) a using (account_id) where account_id <> 'acct_rapidrooter' group by 1",
        )
    )
    assert by_hour[True] > by_hour[False] + 0.2


def test_talk_time_is_log_normal(landing_con) -> None:
    talk = np.array(
        [
            t
            for (t,) in rows(
                landing_con,
                "select talk_seconds from truth_calls where is_answered "
                "and not has_recording and intent = 'booked'",
            )
        ]  # fmt: skip
    )
    assert len(talk) > 30
    logs = np.log(talk)
    assert np.mean(talk) > np.median(talk) * 1.05  # right-skewed in seconds
    skew = np.mean(((logs - logs.mean()) / logs.std()) ** 3)
    assert abs(skew) < 0.6  # roughly symmetric in log space


def test_repeat_and_blocked_callers(landing_con) -> None:
    started = "from call_events where event_type = 'call.started' and schema_version = 1"
    repeat = one(
        landing_con,
        f"select count(*) from (select caller_number {started} and caller_number is not null "
        "group by 1 having count(distinct call_id) >= 2)",
    )
    assert repeat > 0
    blocked = one(
        landing_con, f"select count(distinct call_id) {started} and caller_number is null"
    )
    calls = one(landing_con, f"select count(distinct call_id) {started}")
    assert 0.005 < blocked / calls < 0.15
    firsts = rows(landing_con, "select is_first_time_caller, count(*) from truth_calls group by 1")
    assert {f for f, _ in firsts} == {True, False, None}


def test_in_progress_calls_have_no_end_event(landing_con) -> None:
    ended = one(
        landing_con,
        "select count(distinct call_id) from call_events where event_type = 'call.ended'",
    )
    assert ended == one(landing_con, "select count(*) from truth_calls where has_ended_event")


def test_conversions_with_and_without_call_id(landing_con, simulation_truth) -> None:
    kinds = dict(
        rows(
            landing_con,
            "select call_id is not null, count(*) from conversions "
            "where schema_version = 1 group by 1",
        )
    )
    assert kinds[True] > 0 and kinds[False] > 0
    assert one(landing_con, "select count(*) from conversions where value is not null") > 0
    conv = simulation_truth.conversions.to_pandas()
    with_caller = conv[~conv["has_call_id"] & conv["true_call_id"].notna()]
    # without call_id, the rule (latest call of that caller within 30 days) finds the call
    assert (with_caller["expected_call_id"].notna()).all()
    types = set(conv["conversion_type"])
    assert types <= set(contract.CONVERSION_TYPES) and len(types) >= 2


# --- ad spend ------------------------------------------------------------------------------


def test_ad_spend_per_platform_with_restatements(landing_con) -> None:
    per_platform = {
        p: (micros, spend, kw)
        for p, micros, spend, kw in rows(
            landing_con,
            "select platform, count(cost_micros), count(spend), count(keyword_id) from ad_spend "
            "where schema_version = 1 group by 1",
        )
    }
    assert set(per_platform) == set(contract.PLATFORMS)
    for p in ("google_ads", "microsoft_ads"):
        assert per_platform[p][0] > 0 and per_platform[p][1] == 0
    assert per_platform["meta_ads"][0] == 0 and per_platform["meta_ads"][1] > 0
    assert per_platform["meta_ads"][2] == 0  # no keywords on Meta
    restated = one(
        landing_con,
        "select count(*) from (select platform, date, ad_account_id, campaign_id, ad_group_id, "
        "keyword_id from ad_spend where keyword_id not like 'kw-bad-%' or keyword_id is null "
        "group by all having count(distinct dt) > 1 "
        "and count(distinct coalesce(cost_micros, spend * 1000000)) > 1)",
    )
    assert restated > 0


def test_spend_joins_paid_sessions_by_campaign_and_keyword(landing_con) -> None:
    campaigns = {c for (c,) in rows(landing_con, "select distinct campaign_name from ad_spend")}
    keywords = {k for (k,) in rows(landing_con, "select distinct keyword_text from ad_spend")}
    paid = rows(
        landing_con,
        "select distinct utm_campaign, utm_term from dni_beacons where event_type = "
        "'session.started' and utm_medium in ('cpc', 'paid_social') and utm_campaign is not null",
    )
    assert paid
    for campaign, term in paid:
        assert campaign in campaigns, campaign
        assert term is None or term in keywords, term


def test_names_with_quotes_unicode_and_markup(landing_con) -> None:
    names = [c for (c,) in rows(landing_con, "select distinct campaign_name from ad_spend")]
    names += [k for (k,) in rows(landing_con, "select distinct keyword_text from ad_spend")]
    names = [n for n in names if n]
    assert any('"' in n for n in names)
    assert any("'" in n for n in names)
    assert any(not n.isascii() for n in names)
    assert any("<script>" in n for n in names)
    assert any("<b>" in n for n in names)


# --- recordings ----------------------------------------------------------------------------


def test_recordings_match_the_clip_and_the_call(small_landing: Path, landing_con) -> None:
    import json

    from transcribe import CLIPS_DIR

    manifest = {
        c["clip_id"]: c for c in json.loads((CLIPS_DIR / "manifest.json").read_text())["clips"]
    }
    recorded = rows(
        landing_con,
        "select t.call_id, t.recording_uri, t.recording_clip_id, t.intent, t.talk_seconds, "
        "t.is_answered, t.duration_seconds - t.ring_seconds, t.recording_channels, "
        "t.card_number_spoken from truth_calls t where has_recording",
    )
    assert len(recorded) >= 10
    intents = set()
    for call_id, uri, clip_id, intent, talk, answered, after_ring, ch, card in recorded:
        clip = manifest[clip_id]
        assert clip["intent"] == intent
        intents.add(intent)
        # the clip stands for what was said; the call keeps its own talk time
        assert (talk if answered else after_ring) >= 1
        with wave.open(str(small_landing / uri)) as w:
            assert w.getnchannels() == clip["channels"] == ch
            assert w.getframerate() == 8000
        assert card == bool(clip.get("card_number"))
        # the landing's recording_ready event points at the same file
        assert (
            one(
                landing_con,
                f"select count(*) from call_events where call_id = '{call_id}' and "
                f"event_type = 'call.recording_ready' and recording_uri = '{uri}' "
                f"and recording_channels = {ch}",
            )
            >= 1
        )
    assert len(intents) >= 3


def test_conversions_follow_the_call_intent(landing_con) -> None:
    rate = dict(
        rows(
            landing_con,
            "select intent, avg(is_converted::int) from truth_calls where intent is not null "
            "group by 1",
        )
    )
    assert rate["booked"] > rate["price_inquiry"] > 0
    assert rate.get("spam", 0) == 0 and rate.get("wrong_number", 0) == 0
    values = one(
        landing_con,
        "select count(*) from truth_calls where is_converted and conversion_value > 0",
    )
    assert values > 0


def test_expected_attribution_is_what_the_rules_give_on_the_landing_beacons(landing_con) -> None:
    """The truth's expected status / candidates / winner, recomputed from the landing files
    (valid rows, first arrival per event_id) with design.md's pool rule."""
    got = rows(
        landing_con,
        """
        with acc as (
            select account_id, coalesce(session_timeout_minutes, 30) as timeout_min
            from accounts where dt = (select max(dt) from accounts)
        ), b as (
            select * from dni_beacons
            where schema_version = 1 and session_id is not null
              and event_type in ('session.started', 'page.viewed', 'number.assigned',
                                 'session.heartbeat')
              and occurred_at between '2000-01-01' and '2090-01-01'
            qualify row_number() over (partition by event_id order by dt, key) = 1
        ), assigned as (
            select account_id, session_id, tracking_number, occurred_at as assigned_at
            from b where event_type = 'number.assigned'
        ), calls as (
            select call_id, account_id, tracking_number, started_at
            from truth_calls where number_kind = 'pool'
        ), pairs as (
            select c.call_id, a.session_id, a.assigned_at, c.started_at, acc.timeout_min
            from calls c join acc using (account_id)
            join assigned a on a.account_id = c.account_id
             and a.tracking_number = c.tracking_number and a.assigned_at <= c.started_at
        ), cands as (
            select p.call_id, p.session_id, p.assigned_at
            from pairs p join b on b.session_id = p.session_id and b.occurred_at <= p.started_at
            group by p.call_id, p.session_id, p.assigned_at, p.started_at, p.timeout_min
            having max(b.occurred_at) >= p.started_at - to_minutes(p.timeout_min)
        ), per_call as (
            select c.call_id, count(x.session_id) as n,
                   arg_max(x.session_id, x.assigned_at) as winner
            from calls c left join cands x using (call_id) group by 1
        )
        select p.call_id, p.n, p.winner, t.expected_candidate_count, t.expected_session_id,
               t.expected_attribution_status
        from per_call p join truth_calls t using (call_id)
        """,
    )
    assert len(got) > 100
    for call_id, n, winner, exp_n, exp_winner, status in got:
        assert n == exp_n, call_id
        assert (winner if n else None) == exp_winner, call_id
        assert status == {0: "unattributed", 1: "matched"}.get(n, "ambiguous"), call_id
