"""Attribution engine: raw beacons and calls -> sessions, number holds, call attribution, touches.

DuckDB SQL and numpy arrays driven from Python; no Dagster. Semantics are design.md's ("Semantics"):

* A session is active from its first beacon until `session_timeout` after its last beacon.
* A pool call (number N, account A, start t) has as candidates the sessions of A with a
  `number.assigned` for N at or before t whose last beacon at or before t is within the timeout
  of t (inclusive: a call exactly `timeout` after the last beacon still matches). The candidate
  with the latest such assignment wins (ties: the greater session_id, so reruns agree).

How it is fast. Each assignment of N to s becomes a *hold envelope* [assigned_at, held_until]
with held_until = min(last beacon of s + timeout, next assignment of N to s - 1us): every
candidate's assignment envelope covers t. One hash aggregation over the beacons gives each
session's attributes, last beacon and assignment (scalars; the rare sessions given several
numbers read theirs in a second, filtered pass). Matching is then array work (matching.py):
envelopes bucketed by (number key, time) and found with `searchsorted`, the "a beacon of s in
[t - timeout, t]" check (sessions with a gap longer than the timeout) on beacon times read only
for the pairs the cheap tests leave open, winner and count per call. SQL keeps what it is good
at: the aggregation, channels, caller keys, first-time flags, touches. All time arithmetic is on
integer epoch microseconds: timestamptz arithmetic goes through ICU calendars and is ~10x slower.

`number_assignments` doubles as the hold index ([assigned_at, held_until] per assignment).
Incremental runs keep a watermark of raw `_load_id` per feed in `attribution._state` and recompute
only what new rows can change (see `run_attribution`); a change of reference data (accounts,
tracking numbers), of the caller-key secret or of this engine's version rebuilds everything.
"""

from __future__ import annotations

import hashlib
import importlib
import sys
import threading
import time
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from ingest.contract import ACCOUNT_DEFAULTS, UNATTRIBUTED_WEB_CHANNEL
from pipelines.attribution import matching
from pipelines.attribution.rules import (
    CALLER_KEY_SQL,
    POSITION_BASED_ENDS,
    TIME_DECAY_HALF_LIFE_DAYS,
    install_caller_key,
    install_macros,
)

# Bump when the semantics of any output column change: stored results are then rebuilt.
ENGINE_VERSION = "2"  # 2: touches carry the session's channel, source, medium, campaign, keyword
# Width of the time buckets of the interval joins (the incremental run's affected calls, in SQL).
# Holds last minutes to hours (session length + timeout), so one hour keeps the expansion at ~2
# rows per hold and ~1 candidate row per call.
BUCKET_SECONDS = 3600
BUCKET_US = BUCKET_SECONDS * 1_000_000
# The array matcher's buckets: 2**32 us (~72 min, same reasoning), so a bucket is a shift.
BUCKET_SHIFT = 32

RAW_EVENT_FEEDS = ("dni_beacons", "call_events", "conversions", "ad_clicks")
REQUIRED_RAW = (
    "raw.dni_beacons",
    "raw.call_events",
    "raw.conversions",
    "raw.ad_clicks_current",
    "raw.accounts_current",
    "raw.tracking_numbers_current",
)

DDL = """
create schema if not exists attribution;
create table if not exists attribution.sessions (
    account_id varchar, session_id varchar, visitor_id varchar,
    started_at timestamptz, last_beacon_at timestamptz, ended_at timestamptz,
    beacon_count bigint, page_views bigint, landing_page varchar, referrer varchar,
    utm_source varchar, utm_medium varchar, utm_campaign varchar, utm_term varchar,
    utm_content varchar, gclid varchar, msclkid varchar, fbclid varchar,
    channel varchar, source varchar, medium varchar, campaign varchar, keyword varchar,
    ad_group varchar, match_type varchar, campaign_id varchar, ad_group_id varchar,
    keyword_id varchar, computed_at timestamptz
);
-- (a warehouse from before computed_at gains it empty: those sessions were built already)
alter table attribution.sessions add column if not exists computed_at timestamptz;
-- sessions attribution removed (their beacons are gone: raw data rebuilt or erased): a reader
-- that keeps rows per session deletes its row built before deleted_at (fct_sessions)
create table if not exists attribution.deleted_sessions (
    account_id varchar, session_id varchar, started_at timestamptz, deleted_at timestamptz
);
create table if not exists attribution.number_assignments (
    account_id varchar, session_id varchar, tracking_number varchar, pool_id varchar,
    assigned_at timestamptz, held_until timestamptz, computed_at timestamptz
);
-- computed_at: the run that wrote the assignment (a recomputed session's are written again),
-- for readers that rebuild only what changed (the marts' pool models). A warehouse from before
-- gains it empty: those assignments were built already
alter table attribution.number_assignments add column if not exists computed_at timestamptz;
create table if not exists attribution.call_attribution (
    call_id varchar, account_id varchar, started_at timestamptz, tracking_number varchar,
    number_kind varchar, pool_id varchar, location_id varchar, caller_key varchar,
    is_first_time_caller boolean, attribution_status varchar, candidate_count bigint,
    session_id varchar, visitor_id varchar, channel varchar, source varchar, medium varchar,
    campaign varchar, ad_group varchar, keyword varchar, match_type varchar,
    campaign_id varchar, ad_group_id varchar, keyword_id varchar, gclid varchar,
    landing_page varchar, attributed_at timestamptz
);
create table if not exists attribution.touches (
    call_id varchar, session_id varchar, model varchar, weight double,
    touch_index bigint, session_started_at timestamptz,
    channel varchar, source varchar, medium varchar, campaign varchar, keyword varchar
);
-- (a warehouse from before gains them empty: ENGINE_VERSION 2 re-attributes it in full)
alter table attribution.touches add column if not exists channel varchar;
alter table attribution.touches add column if not exists source varchar;
alter table attribution.touches add column if not exists medium varchar;
alter table attribution.touches add column if not exists campaign varchar;
alter table attribution.touches add column if not exists keyword varchar;
create table if not exists attribution.conversion_caller_keys (
    event_id varchar, caller_key varchar
);
create table if not exists attribution._state (key varchar primary key, value varchar);
"""

OUTPUT_TABLES = (
    "sessions",
    "number_assignments",
    "call_attribution",
    "touches",
    "conversion_caller_keys",
)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in DDL.split(";"):
        if stmt.strip():
            con.execute(stmt)


@dataclass
class RunStats:
    mode: str  # "full" or "incremental"
    reason: str
    sessions_recomputed: int = 0
    calls_recomputed: int = 0
    conversions_keyed: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


# --- SQL ------------------------------------------------------------------------------------
# `{beacons}` / `{calls}` are either the raw table or a semi-join of it to the affected keys;
# both are constant SQL chosen by the engine, never data.

# The contract's account defaults, engine constants (never data), written into the SQL: a query
# parameter would cost the matching-only path ~0.2 s (DuckDB imports pandas to bind one).
DEFAULT_TIMEOUT_MIN = int(ACCOUNT_DEFAULTS["session_timeout_minutes"])
DEFAULT_LOOKBACK_DAYS = int(ACCOUNT_DEFAULTS["attribution_lookback_days"])


def _defaults(sql: str) -> str:
    return sql.replace("$timeout", str(DEFAULT_TIMEOUT_MIN)).replace(
        "$lookback", str(DEFAULT_LOOKBACK_DAYS)
    )


ACCOUNTS_SQL = """
create or replace temp table ct_accounts as
select account_id,
       coalesce(session_timeout_minutes, $timeout) * 60000000 as timeout_us,
       coalesce(attribution_lookback_days, $lookback) * 86400000000 as lookback_us
from raw.accounts_current
qualify row_number() over (partition by account_id order by account_id) = 1
"""
ACCOUNTS_SQL = _defaults(ACCOUNTS_SQL)

# Session timeout of `acct` (a LEFT JOIN of ct_accounts), the default where it has no row.
TIMEOUT_US = _defaults("coalesce(acct.timeout_us, $timeout * 60000000)")

# A beacon that assigns a number (`number.assigned` with the number).
ASSIGNED = "event_type = 'number.assigned' and tracking_number is not null"

# Account settings for any account id, defaults where the account is not (yet) in the feed.
ACCT = """(select x.account_id,
                  coalesce(a.timeout_us, $timeout * 60000000) as timeout_us,
                  coalesce(a.lookback_us, $lookback * 86400000000) as lookback_us
           from (select distinct account_id from {src}) x
           left join ct_accounts a using (account_id))"""
ACCT = _defaults(ACCT)

# One pass over the beacons per session: what matching needs (last beacon, number assignments)
# and, for the sessions table, `{attrs}`. Beacon times are not collected: the activity check
# needs them for few sessions, read on demand (BEACONS_OF_SQL).
# Nearly every session is given one number once, so its assignment is kept as scalars (a count
# and the min of each field: the one row where the count is 1); the few sessions with several
# assignments get theirs from a second, filtered read of the beacons (HOLDS_SQL). Filtered
# lists of every assignment cost more than the rest of the aggregation.
SESSION_CORE_SQL = """
create or replace temp table ct_sess_core as
select account_id, session_id,
       max(us) as last_us,
       count(*) filter (where is_assigned) as n_assigned,
       min(tracking_number) filter (where is_assigned) as a_number,
       min(us) filter (where is_assigned) as a_us,
       {a_pool} as a_pool
       {attrs}
-- (only the columns used: with `select *` here the aggregation costs ~20% more CPU)
from (select account_id, session_id, tracking_number {pool_col} {attr_cols},
             epoch_us(occurred_at) as us, {assigned} as is_assigned
      from {beacons})
group by account_id, session_id
""".replace("{assigned}", ASSIGNED)


def _session_core_sql(beacons: str, *, attrs: bool, pools: bool = True) -> str:
    """SESSION_CORE_SQL over `beacons`, with the sessions table's attributes if `attrs`.
    Matching alone needs no pool_id (`pools=False`: ~0.2 CPU s less at 10M beacons; a string
    aggregate is among the dearest parts of the query)."""
    return SESSION_CORE_SQL.format(
        beacons=beacons,
        attrs=SESSION_ATTRS if attrs else "",
        attr_cols=SESSION_ATTR_COLS if attrs else "",
        a_pool="min(pool_id) filter (where is_assigned)" if pools else "null::varchar",
        pool_col=", pool_id" if pools else "",
    )


# The beacon columns SESSION_ATTRS reads.
SESSION_ATTR_COLS = (
    ", visitor_id, occurred_at, event_id, event_type, page_url, referrer, utm_source, "
    "utm_medium, utm_campaign, utm_term, utm_content, gclid, msclkid, fbclid"
)
SESSION_ATTRS = """,
       -- visitor_id is stable within a session; min() is a deterministic, cheap choice
       min(visitor_id) as visitor_id,
       min(occurred_at) as started_at,
       count(*) as beacon_count,
       count(page_url) as page_views,
       arg_min(page_url, occurred_at) as first_page,
       -- Landing fields come from session.started only (the contract sets them there); a
       -- duplicate start keeps the earliest.
       arg_min({'page_url': page_url, 'referrer': referrer, 'utm_source': utm_source,
                'utm_medium': utm_medium, 'utm_campaign': utm_campaign, 'utm_term': utm_term,
                'utm_content': utm_content, 'gclid': gclid, 'msclkid': msclkid,
                'fbclid': fbclid}, (occurred_at, event_id))
           filter (where event_type = 'session.started') as landing"""

SESSIONS_SQL = """
with joined as (
    select g.rowid as sid, g.account_id, g.session_id, g.visitor_id, g.started_at,
           make_timestamptz(g.last_us) as last_beacon_at,
           make_timestamptz(g.last_us + {timeout_us}) as ended_at,
           g.beacon_count, g.page_views,
           coalesce(g.landing.page_url, g.first_page) as landing_page,
           nullif(g.landing.referrer, '') as referrer, g.landing.utm_source,
           g.landing.utm_medium, g.landing.utm_campaign,
           nullif(g.landing.utm_term, '') as utm_term, g.landing.utm_content,
           nullif(g.landing.gclid, '') as gclid, nullif(g.landing.msclkid, '') as msclkid,
           nullif(g.landing.fbclid, '') as fbclid
    -- Accounts not (yet) in the feed get the defaults.
    from ct_sess_core g left join ct_accounts acct using (account_id)
),
classified as (
    select j.*,
           ct_channel(gclid, msclkid, fbclid, utm_source, utm_medium, referrer) as channel
    from joined j
),
final as (
    select c.sid, c.account_id, c.session_id, c.visitor_id, c.started_at, c.last_beacon_at,
           c.ended_at, c.beacon_count, c.page_views, c.landing_page, c.referrer,
           c.utm_source,
           c.utm_medium, c.utm_campaign, c.utm_term, c.utm_content, c.gclid, c.msclkid,
           c.fbclid, c.channel,
           coalesce(nullif(c.utm_source, ''),
                    case when c.gclid is not null then 'google'
                         when c.msclkid is not null then 'bing'
                         when c.fbclid is not null then 'facebook'
                         when c.referrer is not null then ct_referrer_host(c.referrer)
                         else '(direct)' end) as source,
           coalesce(nullif(c.utm_medium, ''),
                    case c.channel when 'Paid Search' then 'cpc'
                                   when 'Paid Social' then 'paid_social'
                                   when 'Organic Search' then 'organic'
                                   when 'Organic Social' then 'social'
                                   when 'Referral' then 'referral'
                                   else '(none)' end) as medium,
           c.utm_campaign as campaign,
           -- design.md: keyword = utm_term, else the gclid resolved through the click view.
           coalesce(c.utm_term, k.keyword_text) as keyword,
           k.ad_group_id as ad_group, k.match_type, k.campaign_id, k.ad_group_id, k.keyword_id
    from classified c
    -- ad_clicks_current has one row per gclid, so this join keeps one row per session.
    left join raw.ad_clicks_current k
      on k.gclid = c.gclid and k.account_id = c.account_id
)
select * from final
"""

# Dense integer key per (account, tracking number) of the number table: matching compares ints.
NUMBER_KEYS_SQL = """
create or replace temp table ct_number_keys as
select account_id, tracking_number,
       (row_number() over (order by account_id, tracking_number) - 1)::bigint as nkey
from (select distinct account_id, tracking_number from raw.tracking_numbers_current)
"""

# The number rows with their key, their account's session timeout and how many rows share the
# (account, number): a few thousand rows, so calls need one join, not one per attribute.
NUMBERS_SQL = """
create or replace temp table ct_numbers as
select t.account_id, t.tracking_number, t.number_kind, t.pool_id, t.location_id, t.channel,
       t.source, t.medium, t.campaign, t.valid_from, t.valid_to, k.nkey, acct.timeout_us,
       count(*) over (partition by t.account_id, t.tracking_number) as versions
from raw.tracking_numbers_current t
join ct_number_keys k using (account_id, tracking_number)
join {acct} acct using (account_id)
"""

HOLDS_SELECT = """
with single as (
    -- Nearly every session is given one number once: its hold needs no grouping or window.
    select rowid as sid, account_id, session_id, a_number as tracking_number,
           a_us as assigned_us, a_pool as pool_id, last_us, null::bigint as next_us
    from ct_sess_core where n_assigned = 1
),
multi_sess as (
    select rowid as sid, account_id, session_id, last_us from ct_sess_core where n_assigned > 1
),
assigned as (
    -- Sessions with several assignments: one row per (number, time), duplicates collapsed.
    select m.sid, m.account_id, m.session_id, b.tracking_number,
           epoch_us(b.occurred_at) as assigned_us, min(b.pool_id) as pool_id, m.last_us
    from {beacons} b join multi_sess m using (account_id, session_id)
    where {assigned}
    group by all
),
multi as (
    select *, lead(assigned_us) over (partition by sid, tracking_number order by assigned_us)
                  as next_us
    from assigned
),
final as (
    -- Envelope of the hold: from the assignment until the session's end (last beacon +
    -- timeout) or the next assignment of the same number to the same session, which
    -- supersedes it ("the latest assignment at or before t" ranks). Activity gaps inside the
    -- envelope are checked per candidate against the beacons at match time.
    select a.sid, a.account_id, a.session_id, a.tracking_number, k.nkey, a.pool_id,
           a.assigned_us, a.assigned_us as hold_from_us,
           least(a.last_us + {timeout_us}, coalesce(a.next_us - 1, 9e18::bigint))
               as hold_to_us
    from (select * from single union all select * from multi) a
    left join ct_accounts acct on acct.account_id = a.account_id
    left join ct_number_keys k
      on k.account_id = a.account_id and k.tracking_number = a.tracking_number
)
select * from final
""".replace("{assigned}", ASSIGNED)
HOLDS_SQL = "create or replace temp table ct_new_holds as\n" + HOLDS_SELECT

CALL_BASE_SELECT = """
with ev as (
    select call_id, account_id, occurred_at, tracking_number, event_type, event_id {caller_col}
    from {calls}
),
pref as (
    -- design.md: a call starts at its call.started event, else at its earliest event; its other
    -- fields come from that same preferred event (one struct: cheaper than one arg_min each;
    -- the contract requires these fields on every event, so none is null).
    select call_id,
           arg_min({{'account_id': account_id, 'occurred_at': occurred_at,
                    'tracking_number': tracking_number}},
                   (event_type <> 'call.started', occurred_at, event_id)) as p
           {caller}
    from ev group by call_id
)
select p.call_id, p.p.account_id, p.p.occurred_at as started_at, p.p.tracking_number,
       {caller_key} as caller_key
from pref p {key_join}
"""

# CALL_BASE_SELECT's `{caller}`: the caller number of the earliest call.started (keys and first-time
# flags; matching alone leaves it out), its `{caller_key}` and the key table it needs.
# Matching alone formats the three as "", "null" and "" (and `{caller_col}` as "").
CALLER_SQL = """,
           arg_min(caller_number, (occurred_at, event_id))
               filter (where event_type = 'call.started') as caller_number"""
KEY_JOIN = "cross join ct_hmac_key k"
CALLER_COL = ", caller_number"
CALLER_KEY_OF_CALL = (
    "case when p.caller_number is null then null else "
    + CALLER_KEY_SQL.format(col="p.caller_number")
    + " end"
)


def _call_base_select(calls: str, *, callers: bool = True) -> str:
    """CALL_BASE_SELECT over `calls`; without `callers` (matching alone) no caller number or
    key."""
    if not callers:
        return CALL_BASE_SELECT.format(
            calls=calls, caller="", caller_col="", caller_key="null", key_join=""
        )
    return CALL_BASE_SELECT.format(
        calls=calls,
        caller=CALLER_SQL,
        caller_col=CALLER_COL,
        caller_key=CALLER_KEY_OF_CALL,
        key_join=KEY_JOIN,
    )


def _call_base_sql(calls: str, *, callers: bool = True) -> str:
    """Temp table ct_call_base: `_call_base_select`'s rows."""
    return "create or replace temp table ct_call_base as\n" + _call_base_select(
        calls, callers=callers
    )


# One row per call of `{base}`: the number row valid at its start (its kind decides how the call
# is attributed), with what matching.py needs of pool calls (number key, start, the account's
# session timeout), and `valid` false where no row of the number was valid then.
CALL_NUMBERS_SELECT = """
with j as (
    -- Validity is a column, not a join condition: range terms in a LEFT join's condition make
    -- DuckDB ~10x slower here.
    select c.call_id, n.number_kind, n.pool_id, n.location_id, n.channel, n.source, n.medium,
           n.campaign, n.nkey, epoch_us(c.started_at) as t_us, n.timeout_us, n.valid_from,
           n.versions,
           coalesce(c.started_at >= n.valid_from
                    and (n.valid_to is null or c.started_at < n.valid_to), false) as valid
    from {base} c left join ct_numbers n
      on n.account_id = c.account_id and n.tracking_number = c.tracking_number
)
select * exclude (valid_from, versions) from j where coalesce(versions, 1) = 1
union all
-- A number with several rows (re-pooled, moved): the latest row valid at the call's start.
(select * exclude (valid_from, versions) from j where versions > 1
 qualify row_number() over (partition by call_id order by valid desc, valid_from desc) = 1)
"""
# The calls with a valid number row.
CALL_NUMBERS_SQL = (
    "create or replace temp table ct_call_tn as\nselect * exclude (valid) from ("
    + CALL_NUMBERS_SELECT.format(base="ct_call_base")
    + ") where valid"
)

# Matching alone: every call's kind code (0 unattributed, 1 pool, 2 static) with what matching
# needs, in one query (no temp tables of 1M calls, which are written once and read once).
MATCH_CALLS_SQL = """
select call_id,
       case when not valid then 0
            when number_kind = 'pool' then 1 when number_kind = 'static' then 2
            else 0 end::tinyint as kind,
       case when valid then nkey end as nkey, case when valid then t_us end as t_us,
       case when valid then timeout_us end as timeout_us
from ({numbers})
"""

POOL_CALLS = "(select call_id, nkey, t_us, timeout_us from ct_call_tn where number_kind = 'pool')"

STATUS_SQL = """
    case when tn.number_kind = 'static' then 'static'
         when tn.number_kind = 'pool' and m.candidate_count = 1 then 'matched'
         when tn.number_kind = 'pool' and m.candidate_count > 1 then 'ambiguous'
         else 'unattributed' end"""

# The call_attribution rows of the calls in ct_call_base (inserted straight from this query:
# a temp copy of 1M wide rows cost ~5 s single-threaded to insert).
MATCH_SQL = (
    """
with calls as (select * from ct_call_base),
callers as (
    select distinct account_id, caller_key from calls where caller_key is not null
),
caller_calls as (
    -- First-time caller over all history: the other calls of these callers are either being
    -- recomputed (in calls) or already stored (and not deleted).
    select account_id, caller_key, started_at, call_id from calls where caller_key is not null
    union all
    select ca.account_id, ca.caller_key, ca.started_at, ca.call_id
    from attribution.call_attribution ca semi join callers using (account_id, caller_key)
),
first_calls as (
    select account_id, caller_key, arg_min(call_id, (started_at, call_id)) as first_call_id
    from caller_calls group by all
),
final as (
    select c.call_id, c.account_id, c.started_at, c.tracking_number, tn.number_kind,
           tn.pool_id, tn.location_id, c.caller_key,
           case when c.caller_key is null then null else f.first_call_id = c.call_id end
               as is_first_time_caller,
           """
    + STATUS_SQL
    + """ as attribution_status,
           case when tn.number_kind = 'pool' then coalesce(m.candidate_count, 0) end
               as candidate_count,
           s.session_id, s.visitor_id,
           case when tn.number_kind = 'pool' then coalesce(s.channel, $unattributed)
                when tn.number_kind = 'default' then coalesce(tn.channel, $unattributed)
                else tn.channel end as channel,
           case when tn.number_kind = 'pool' then s.source else tn.source end as source,
           case when tn.number_kind = 'pool' then s.medium else tn.medium end as medium,
           case when tn.number_kind = 'pool' then s.campaign else tn.campaign end as campaign,
           s.ad_group, s.keyword, s.match_type, s.campaign_id, s.ad_group_id, s.keyword_id,
           s.gclid, s.landing_page,
           $now::timestamptz as attributed_at
    from calls c
    left join ct_call_tn tn on tn.call_id = c.call_id
    -- (candidates exist for pool calls only; a non-equi term here would force a nested loop)
    left join ct_candidates m on m.call_id = c.call_id
    left join attribution.sessions s
      on s.account_id = c.account_id and s.session_id = m.session_id
    left join first_calls f on f.account_id = c.account_id and f.caller_key = c.caller_key
)
select * from final
"""
)

TOUCHES_SQL = """
with calls as (
    select call_id, account_id, visitor_id, session_id, started_at
    from {calls} where session_id is not null and visitor_id is not null
),
acct as {acct},
matched as (
    select c.*, s.started_at as matched_started_at
    from calls c join attribution.sessions s using (account_id, session_id)
),
path as (
    -- The visitor's sessions that started within the lookback before the call, up to the
    -- matched session, which is always the last touch (a session opened after it did not show
    -- the number that was called).
    select m.call_id, m.started_at as call_at, s.session_id, s.started_at as session_started_at,
           s.session_id = m.session_id as is_matched,
           s.channel, s.source, s.medium, s.campaign, s.keyword
    from matched m join acct using (account_id)
    join attribution.sessions s on s.account_id = m.account_id and s.visitor_id = m.visitor_id
    where s.session_id = m.session_id
       or (epoch_us(s.started_at) >= epoch_us(m.started_at) - acct.lookback_us
           and (s.started_at, s.session_id) < (m.matched_started_at, m.session_id))
),
indexed as (
    select *, row_number() over (partition by call_id
                                 order by is_matched, session_started_at, session_id)
                  as touch_index,
           count(*) over (partition by call_id) as n,
           pow(0.5, (epoch_us(call_at) - epoch_us(session_started_at))
                    / ($half_life * 86400e6)) as decay
    from path
),
weighted as (
    select *, decay / sum(decay) over (partition by call_id) as decay_weight from indexed
),
final as (
    -- (the touched session's channel, source, medium, campaign and keyword: the marts read
    -- them here instead of joining every touch to the sessions table)
    select call_id, session_id, 'first_touch' as model, 1.0::double as weight, touch_index,
           session_started_at, channel, source, medium, campaign, keyword
    from weighted where touch_index = 1
    union all
    select call_id, session_id, 'last_touch', 1.0, touch_index,
           session_started_at, channel, source, medium, campaign, keyword
    from weighted where touch_index = n
    union all
    select call_id, session_id, 'linear', 1.0 / n, touch_index,
           session_started_at, channel, source, medium, campaign, keyword
    from weighted
    union all
    select call_id, session_id, 'time_decay', decay_weight, touch_index,
           session_started_at, channel, source, medium, campaign, keyword
    from weighted
    union all
    select call_id, session_id, 'position_based',
           case when n = 1 then 1.0 when n = 2 then 0.5
                when touch_index = 1 or touch_index = n then $ends
                else (1.0 - 2 * $ends) / (n - 2) end,
           touch_index, session_started_at, channel, source, medium, campaign, keyword
    from weighted
)
select * from final
"""

CONVERSION_KEYS_SQL = """
select c.event_id, {caller_key} as caller_key
from {conversions} c cross join ct_hmac_key k
where c.caller_number is not null
"""


# --- driver ---------------------------------------------------------------------------------


def _missing_inputs(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema = 'raw'"
    ).fetchall()
    present = {r[0] for r in rows}
    return [t for t in REQUIRED_RAW if t not in present]


def _state(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("select key, value from attribution._state").fetchall())


def _watermarks(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    out = {}
    for feed in RAW_EVENT_FEEDS:
        row = con.execute(f"select coalesce(max(_load_id), -1) from raw.{feed}").fetchone()
        out[feed] = int(row[0]) if row else -1
    return out


def _table_digest(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Digest of a reference view's contract columns (load metadata excluded: an identical
    snapshot arriving again must not trigger a rebuild)."""
    schema, name = table.split(".")
    cols = [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = $1 and "
            "table_name = $2 and column_name not like '\\_%' escape '\\' order by ordinal_position",
            [schema, name],
        ).fetchall()
    ]
    select = ", ".join('"' + c.replace('"', '""') + '"' for c in cols)
    rows = con.execute(f"select {select} from {table} order by all").fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _fingerprint(con: duckdb.DuckDBPyConnection, secret: str) -> str:
    h = hashlib.sha256()
    h.update(f"engine={ENGINE_VERSION};bucket={BUCKET_SECONDS};".encode())
    # A keyed digest of the secret (not the secret): a new secret re-keys every caller.
    h.update(hashlib.sha256(b"calltrack-fingerprint" + secret.encode()).digest())
    for t in ("raw.accounts_current", "raw.tracking_numbers_current"):
        h.update(_table_digest(con, t).encode())
    return h.hexdigest()


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def run_attribution(con: duckdb.DuckDBPyConnection, secret: str, *, full: bool = False) -> RunStats:
    """Bring the attribution tables up to date with the raw tables, in one transaction.

    Incremental unless `full`, there is no state yet, or the fingerprint (engine version,
    secret, accounts, tracking numbers) changed. What an incremental run recomputes:
    - sessions with new beacons, and sessions whose gclid got a new click-view row;
    - calls with new events (new calls, late events of known calls);
    - calls on a number at a time covered by an old or new hold of a recomputed session
      (their candidates may have changed, or their matched session's fields did);
    - calls whose visitor is the visitor of a recomputed session (their touches may change);
    - all calls of the callers of calls with new events (first-time status may move).
    Everything is deleted and re-derived by the same SQL a full rebuild uses, so an
    incremental run equals a full rebuild whatever the arrival order.
    """
    missing = _missing_inputs(con)
    if missing:
        raise RuntimeError(
            "attribution needs the raw tables of ingestion; missing: " + ", ".join(missing)
        )
    clock = _Clock()
    ensure_tables(con)
    install_macros(con)
    install_caller_key(con, secret)
    # Output order is meaningless (every reader sorts or aggregates); not preserving it lets
    # DuckDB write in parallel with less memory. Restored afterwards for the caller.
    row = con.execute("select current_setting('preserve_insertion_order')").fetchone()
    preserve = bool(row[0]) if row else True
    con.execute("set preserve_insertion_order = false")
    try:
        return _run(con, secret, full, clock)
    finally:
        con.execute(f"set preserve_insertion_order = {'true' if preserve else 'false'}")


def _run(con: duckdb.DuckDBPyConnection, secret: str, full: bool, clock: _Clock) -> RunStats:
    lap = clock.lap
    con.execute("begin transaction")
    try:
        state = _state(con)
        marks = _watermarks(con)
        fingerprint = _fingerprint(con, secret)
        if full:
            mode, reason = "full", "requested"
        elif not state:
            mode, reason = "full", "first run"
        elif state.get("fingerprint") != fingerprint:
            mode, reason = "full", "reference data, secret or engine version changed"
        elif any(marks[f] < int(state.get(f"wm:{f}", -1)) for f in RAW_EVENT_FEEDS):
            # Load ids only grow; a smaller one means the raw tables were rebuilt, and rows
            # below the old watermark would otherwise never be seen.
            mode, reason = "full", "raw tables were rebuilt"
        else:
            mode, reason = "incremental", "new raw rows since the watermark"
        old = {f: int(state.get(f"wm:{f}", -1)) for f in RAW_EVENT_FEEDS}
        if mode == "incremental" and old == marks:
            con.execute("commit")
            return RunStats("incremental", "no new raw rows", seconds={"total": 0.0})
        stats = RunStats(mode, reason)
        # one instant for the run: the computed_at of its sessions, the attributed_at of its calls
        now = _now(con)
        con.execute(ACCOUNTS_SQL)
        t0 = time.perf_counter()
        if mode == "full":
            # (sessions: once the new ones are known, see DELETED_SESSIONS_SQL)
            for t in OUTPUT_TABLES:
                if t != "sessions":
                    con.execute(f"delete from attribution.{t}")
            beacons, calls, conversions = "raw.dni_beacons", "raw.call_events", "raw.conversions"
        else:
            beacons, calls, conversions = _plan_incremental(con, old)
        t0 = lap("plan", t0)

        # Sessions and holds.
        con.execute(_session_core_sql(beacons, attrs=True))
        con.execute(NUMBER_KEYS_SQL)
        con.execute(NUMBERS_SQL.format(acct=ACCT.format(src="raw.tracking_numbers_current")))
        con.execute(HOLDS_SQL.format(beacons=beacons, timeout_us=TIMEOUT_US))
        # A full run matches against these holds: indexed in a thread while sessions and calls
        # are written and read. (An incremental run matches against the stored holds.)
        read = _HoldsRead(con, "ct_new_holds") if mode == "full" else None
        sessions_sql = SESSIONS_SQL.format(timeout_us=TIMEOUT_US)
        if mode == "incremental":
            con.execute(f"create or replace temp table ct_new_sessions as {sessions_sql}")
        t0 = lap("sessions", t0)
        # the sessions this run rewrites (all, or the affected ones) that it does not write
        # again are recorded as deleted, before they go
        scope = "" if mode == "full" else "semi join ct_aff_sessions using (account_id, session_id)"
        con.execute(DELETED_SESSIONS_SQL.format(scope=scope), {"now": now})
        if mode == "full":
            con.execute("delete from attribution.sessions")
        if mode == "incremental":
            _affected_calls_after_sessions(con, old)
            calls = "(select e.* from raw.call_events e semi join ct_aff_calls using (call_id))"
            for t in ("sessions", "number_assignments"):
                con.execute(
                    f"delete from attribution.{t} x using ct_aff_sessions a "
                    "where x.account_id = a.account_id and x.session_id = a.session_id"
                )
            sessions_sql = "select * from ct_new_sessions"
        # A full run writes straight from the query (no temp copy of 1.5M wide rows).
        con.execute(
            "insert into attribution.sessions by name "
            f"select * exclude (sid), $now::timestamptz as computed_at from ({sessions_sql})",
            {"now": now},
        )
        con.execute(
            "insert into attribution.number_assignments by name "
            "select account_id, session_id, tracking_number, pool_id, "
            "make_timestamptz(assigned_us) as assigned_at, "
            "make_timestamptz(hold_to_us) as held_until, "
            "$now::timestamptz as computed_at from ct_new_holds",
            {"now": now},
        )
        stats.sessions_recomputed = _count(con, "select count(*) from ct_sess_core")
        t0 = lap("sessions_write", t0)

        # Calls.
        con.execute(_call_base_sql(calls))
        if mode == "incremental":
            # the sessions of the recomputed calls as they were (see CALLS_MOVED_SQL)
            con.execute(
                "create or replace temp table ct_old_call_sessions as "
                "select call_id, account_id, session_id from attribution.call_attribution "
                "semi join ct_call_base using (call_id) where session_id is not null"
            )
            con.execute(
                "delete from attribution.call_attribution x using ct_call_base b "
                "where x.call_id = b.call_id"
            )
            con.execute(
                "delete from attribution.touches x using ct_call_base b where x.call_id = b.call_id"
            )
        con.execute(CALL_NUMBERS_SQL)
        pool_calls = _fetch_arrow(con, f"select * from {POOL_CALLS}")
        if mode == "full":
            # Every session was just computed: match against them and their beacon lists.
            cand = _candidates(
                con, pool_calls, sessions="ct_sess_core", holds="ct_new_holds", read=read
            )
        else:
            cand = _candidates(
                con, pool_calls, sessions="ct_m_sess", holds="ct_m_holds", stored=True
            )
        _temp_table(con, "ct_candidates", cand)
        t0 = lap("match", t0)
        # (the stored calls MATCH_SQL reads for first-time flags are aggregated before any row
        # is inserted)
        con.execute(
            "insert into attribution.call_attribution by name " + MATCH_SQL,
            {"unattributed": UNATTRIBUTED_WEB_CHANNEL, "now": now},
        )
        if mode == "incremental":
            con.execute(CALLS_MOVED_SQL, {"now": now})
        stats.calls_recomputed = _count(con, "select count(*) from ct_call_base")
        t0 = lap("calls_write", t0)
        # The recomputed calls, as just written.
        new_calls = (
            "attribution.call_attribution"
            if mode == "full"
            else "(select * from attribution.call_attribution semi join ct_call_base "
            "using (call_id))"
        )
        # Touches go straight into their table (no temp copy).
        con.execute(
            "insert into attribution.touches by name "
            + TOUCHES_SQL.format(calls=new_calls, acct=ACCT.format(src=new_calls)),
            {"half_life": TIME_DECAY_HALF_LIFE_DAYS, "ends": POSITION_BASED_ENDS},
        )
        t0 = lap("touches", t0)

        # Conversions' caller keys (append-only by event_id, so new rows only).
        keys_sql = CONVERSION_KEYS_SQL.format(
            conversions=conversions, caller_key=CALLER_KEY_SQL.format(col="c.caller_number")
        )
        con.execute(f"create or replace temp table ct_conv_keys as {keys_sql}")
        con.execute(
            "delete from attribution.conversion_caller_keys x using ct_conv_keys n "
            "where x.event_id = n.event_id"
        )
        con.execute("insert into attribution.conversion_caller_keys select * from ct_conv_keys")
        stats.conversions_keyed = _count(con, "select count(*) from ct_conv_keys")
        lap("conversions", t0)

        rows = [(f"wm:{f}", str(v)) for f, v in marks.items()] + [("fingerprint", fingerprint)]
        con.executemany("insert or replace into attribution._state values (?, ?)", rows)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    stats.seconds = clock.finish()
    return stats


class _Clock:
    """Wall seconds per phase, and the process's CPU seconds (DuckDB's threads included): on a
    shared machine CPU time shows the work where wall time also shows the queue."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.cpu_start = self.cpu = time.process_time()
        self.timings: dict[str, float] = {}

    def lap(self, name: str, t0: float) -> float:
        now = time.perf_counter()
        c = time.process_time()
        self.timings[name] = round(now - t0, 3)
        self.timings[f"{name}_cpu"] = round(c - self.cpu, 3)
        self.cpu = c
        return now

    def finish(self) -> dict[str, float]:
        self.timings["total"] = round(time.perf_counter() - self.start, 3)
        self.timings["total_cpu"] = round(time.process_time() - self.cpu_start, 3)
        return self.timings


# Sessions that lose all their beacons (raw data rebuilt or erased) are not computed again:
# `{scope}` restricts the stored sessions to those the run rewrites (nothing for a full run);
# the ones missing from the new session core are recorded, with the start they had.
DELETED_SESSIONS_SQL = """
insert into attribution.deleted_sessions
select s.account_id, s.session_id, s.started_at, $now::timestamptz
from attribution.sessions s {scope}
anti join ct_sess_core c using (account_id, session_id)
"""

# An incremental run's sessions that gained or lost a call without being recomputed themselves
# (a call re-matched to another session, or now ambiguous) get the run's computed_at too: a
# session's computed_at is when attribution last wrote it or changed the calls attributed to it,
# so a reader that keeps derived rows per session (the marts' fct_sessions, with its call count)
# rebuilds exactly the sessions with a computed_at past its watermark.
CALLS_MOVED_SQL = """
update attribution.sessions s set computed_at = $now::timestamptz
from (
    select account_id, session_id from (
        from ct_old_call_sessions
        except
        select call_id, account_id, session_id from attribution.call_attribution
        semi join ct_call_base using (call_id) where session_id is not null
    )
    union
    select account_id, session_id from (
        select call_id, account_id, session_id from attribution.call_attribution
        semi join ct_call_base using (call_id) where session_id is not null
        except
        from ct_old_call_sessions
    )
) moved
where s.account_id = moved.account_id and s.session_id = moved.session_id
  and s.computed_at is distinct from $now::timestamptz
"""

# Incremental runs match against the stored holds (all sessions, old and recomputed) of the
# numbers called, and the beacons of those sessions.
STORED_MATCH_SQL = """
create or replace temp table ct_m_sess as
with called as (select distinct nkey from ct_call_tn where number_kind = 'pool'),
span as (select min(t_us) as lo, max(t_us) as hi from ct_call_tn where number_kind = 'pool'),
held as (
    -- Sessions holding a called number at some time within the calls' span.
    select distinct h.account_id, h.session_id
    from attribution.number_assignments h
    join ct_number_keys k using (account_id, tracking_number)
    semi join called using (nkey)
    cross join span
    where epoch_us(h.held_until) >= span.lo and epoch_us(h.assigned_at) <= span.hi
)
-- (sessions are written before calls are matched, so the stored ones are current)
select account_id, session_id, epoch_us(last_beacon_at) as last_us
from attribution.sessions semi join held using (account_id, session_id);
create or replace temp table ct_m_holds as
select s.rowid as sid, k.nkey, epoch_us(h.assigned_at) as assigned_us,
       epoch_us(h.held_until) as hold_to_us
from attribution.number_assignments h
join ct_number_keys k using (account_id, tracking_number)
join ct_m_sess s using (account_id, session_id);
"""


def _candidates(
    con: duckdb.DuckDBPyConnection,
    calls: pa.Table,
    *,
    sessions: str,
    holds: str,
    stored: bool = False,
    read: _HoldsRead | None = None,
) -> pa.Table:
    """(call_id, candidate_count, session_id) of pool `calls` (call_id, nkey, t_us, timeout_us).

    `sessions` (rowid = sid, account_id, session_id, last_us) and `holds` (sid, nkey,
    assigned_us, hold_to_us) are engine temp tables (`holds` may be a parenthesised query);
    with `stored` they are first built from the stored holds. The matching itself is
    matching.match_calls on arrays.
    """
    count, sid, session_ids = _match(
        con,
        _int64(calls["nkey"]),
        _int64(calls["t_us"]),
        _int64(calls["timeout_us"]),
        sessions=sessions,
        holds=holds,
        stored=stored,
        read=read,
    )
    return pa.Table.from_arrays(
        [calls["call_id"], _arrow(count), session_ids.take(_arrow(np.maximum(sid, 0), sid >= 0))],
        names=["call_id", "candidate_count", "session_id"],
    )


# Arrow <-> numpy through the buffers: pyarrow's to_numpy and pa.array import pandas (~0.2 s, a
# tenth of the matching-only path), and the engine needs neither's extras.


def _int64(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """An integer column's values as int64 (zero-copy when already int64). Null slots hold
    arbitrary values: callers read only rows that are not null."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if len(arr) == 0:
        return np.empty(0, dtype=np.int64)
    dtype = np.dtype(f"int{arr.type.bit_width}")
    values = np.frombuffer(
        arr.buffers()[1], dtype=dtype, count=len(arr), offset=arr.offset * dtype.itemsize
    )
    return values.astype(np.int64, copy=False)


def _arrow(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """A numpy integer array as Arrow, null where `valid` is False."""
    values = np.ascontiguousarray(values)
    bitmap = None
    if valid is not None and not valid.all():
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(
        pa.from_numpy_dtype(values.dtype), len(values), [bitmap, pa.py_buffer(values)]
    )


# Large results are read through a relation (`con.sql`), which DuckDB materialises with every
# thread; `con.execute(...)` streams them through one (measured: 1.5M rows of four integers in
# 0.13 s against 0.28 s).


def _fetch_numpy(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, np.ndarray]:
    return con.sql(sql).fetchnumpy()


def _fetch_arrow(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    return con.sql(sql).to_arrow_table()


class _HoldsRead:
    """Holds (a temp table, or a parenthesised query of HOLDS_SELECT) read into arrays, with
    their bucket index (`matching.index_holds`) built in a thread: numpy's sorts release the
    GIL, so it overlaps the DuckDB queries the caller runs meanwhile on its connection (the
    calls' events and number rows)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, holds: str) -> None:
        h = _fetch_numpy(
            con, f"select sid, nkey, assigned_us, hold_to_us from {holds} where nkey is not null"
        )
        self.rowid = np.asarray(h["sid"], dtype=np.int64)
        self.key = np.asarray(h["nkey"], dtype=np.int64)
        self.assigned_us = np.asarray(h["assigned_us"], dtype=np.int64)
        self.to_us = np.asarray(h["hold_to_us"], dtype=np.int64)
        self._index: matching.HoldIndex | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._build, daemon=True)
        self._thread.start()

    def _build(self) -> None:
        try:
            self._index = matching.index_holds(self.key, self.assigned_us, self.to_us, BUCKET_SHIFT)
        except BaseException as e:  # re-raised by index()
            self._error = e

    def index(self) -> matching.HoldIndex:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._index is not None
        return self._index


def _match(
    con: duckdb.DuckDBPyConnection,
    call_key: np.ndarray,
    call_t: np.ndarray,
    call_timeout_us: np.ndarray,
    *,
    sessions: str,
    holds: str,
    stored: bool = False,
    read: _HoldsRead | None = None,
) -> tuple[np.ndarray, np.ndarray, pa.ChunkedArray]:
    """Per pool call (number key, start, timeout; no nulls): candidate count and the winning
    session (-1 where none) as a position in the returned session_ids. See `_candidates` for
    `sessions`, `holds` and `stored`; `read`: `holds` already read (not with `stored`)."""
    if stored:
        for stmt in STORED_MATCH_SQL.split(";"):
            if stmt.strip():
                con.execute(stmt)
    h = read if read is not None else _HoldsRead(con, holds)
    # (a session whose beacons all lack a time has no last beacon: never active)
    sess = _fetch_arrow(
        con,
        f"select rowid as sid, session_id, coalesce(last_us, {np.iinfo(np.int64).min}) as last_us "
        f"from {sessions}",
    )

    # Sessions are numbered by their row in `sess`; holds refer to them by rowid, which need
    # not start at 0 (temp tables of an open transaction) nor arrive in order, so map it.
    rowid = _int64(sess["sid"])
    hold_rowid = h.rowid
    if len(rowid) and np.array_equal(rowid, np.arange(rowid[0], rowid[0] + len(rowid))):
        hold_sid = hold_rowid - rowid[0]  # the usual case: consecutive, in order
    else:
        by_rowid = np.argsort(rowid)
        hold_sid = by_rowid[np.searchsorted(rowid, hold_rowid, sorter=by_rowid)]
    last = _int64(sess["last_us"])
    # (left in chunks: `take` reads chunked arrays, and combining 1.5M strings copies them)
    session_ids = sess["session_id"]

    def beacons_of(sids: np.ndarray) -> matching.Beacons:
        # Beacon times of the few sessions the activity check needs, grouped by position.
        # (numpy columns: registering Arrow imports pyarrow.dataset and pandas, ~0.2 s)
        need = {"pos": np.arange(len(sids), dtype=np.int64), "rid": rowid[sids]}
        con.register("ct_arrow_need", need)
        try:
            got = _fetch_numpy(con, BEACONS_OF_SQL.format(sessions=sessions))
        finally:
            con.unregister("ct_arrow_need")
        pos = np.asarray(got["pos"], dtype=np.int64)
        length = np.bincount(pos, minlength=len(sids)).astype(np.int64)
        times = np.asarray(got["us"], dtype=np.int64)[matching.sort_with_order(pos)[1]]
        return matching.Beacons(
            start=np.cumsum(length) - length, length=length, times=times, last=last[:0]
        )

    def tie_break(sids: np.ndarray) -> np.ndarray:
        names = session_ids.take(_arrow(sids)).to_pylist()
        rank = {v: i for i, v in enumerate(sorted(set(names)))}
        return np.array([rank[v] for v in names], dtype=np.int64)

    with matching.small_pages():
        m = matching.match_calls(
            matching.Holds(sid=hold_sid, key=h.key, assigned_us=h.assigned_us, to_us=h.to_us),
            matching.LazyBeacons(last=last, fetch=beacons_of),
            call_key=call_key,
            call_t=call_t,
            call_timeout_us=call_timeout_us,
            bucket_shift=BUCKET_SHIFT,
            tie_break=tie_break,
            index=h.index(),
        )
    return m.candidate_count, m.sid, session_ids


# Beacon times (non-null: a beacon without a time is never within a timeout) of the sessions in
# `ct_arrow_need` (pos, rid = rowid in `{sessions}`), by position. Every session's beacons are in
# the raw table, recomputed or stored.
BEACONS_OF_SQL = """
with need as (
    -- (the sessions first: with the three tables in one join DuckDB probes 10M beacons into
    -- the sessions table and is ~3x slower)
    select n.pos, s.account_id, s.session_id
    from {sessions} s join ct_arrow_need n on s.rowid = n.rid
)
select need.pos, epoch_us(b.occurred_at) as us
from raw.dni_beacons b join need using (account_id, session_id)
where b.occurred_at is not null
"""


def _temp_table(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """Materialise an Arrow table as temp table `name` (a constant of this module)."""
    con.register("ct_arrow_in", table)
    try:
        con.execute(f"create or replace temp table {name} as select * from ct_arrow_in")
    finally:
        con.unregister("ct_arrow_in")


def _now(con: duckdb.DuckDBPyConnection) -> object:
    row = con.execute("select get_current_timestamp()").fetchone()
    assert row is not None
    return row[0]


def _plan_incremental(con: duckdb.DuckDBPyConnection, old: dict[str, int]) -> tuple[str, str, str]:
    """Affected sessions (new beacons, restated clicks) and the SQL sources restricted to them."""
    con.execute(
        """
        create or replace temp table ct_aff_sessions as
        select distinct account_id, session_id from raw.dni_beacons where _load_id > $b
        union
        select s.account_id, s.session_id from attribution.sessions s
        join (select distinct account_id, gclid from raw.ad_clicks where _load_id > $k) n
          on n.account_id = s.account_id and n.gclid = s.gclid
        """,
        {"b": old["dni_beacons"], "k": old["ad_clicks"]},
    )
    beacons = (
        "(select b.* from raw.dni_beacons b semi join ct_aff_sessions using (account_id, "
        "session_id))"
    )
    conversions = f"(select * from raw.conversions where _load_id > {int(old['conversions'])})"
    return beacons, "raw.call_events", conversions


def _affected_calls_after_sessions(con: duckdb.DuckDBPyConnection, old: dict[str, int]) -> None:
    """ct_aff_calls: calls an incremental run must recompute (see `run_attribution`).

    Runs after the new sessions/holds are computed and before the old ones are deleted, so both
    the old and the new hold ranges and visitors are visible.
    """
    con.execute(
        """
        create or replace temp table ct_ranges as
        select h.account_id, h.tracking_number, epoch_us(h.assigned_at) as hold_from_us,
               epoch_us(h.held_until) as hold_to_us
        from attribution.number_assignments h
        semi join ct_aff_sessions using (account_id, session_id)
        union all
        select account_id, tracking_number, hold_from_us, hold_to_us from ct_new_holds
        """
    )
    con.execute(
        """
        create or replace temp table ct_aff_visitors as
        select distinct s.account_id, s.visitor_id from attribution.sessions s
        semi join ct_aff_sessions using (account_id, session_id)
        union
        select distinct account_id, visitor_id from ct_new_sessions
        """
    )
    con.execute(
        """
        create or replace temp table ct_new_call_ids as
        select distinct call_id from raw.call_events where _load_id > $c
        """,
        {"c": old["call_events"]},
    )
    # Callers of calls with new events, by the key stored before and the key they have now.
    con.execute(
        _call_base_sql(
            "(select e.* from raw.call_events e semi join ct_new_call_ids using (call_id))"
        )
    )
    con.execute(
        f"""
        create or replace temp table ct_aff_calls as
        with callers as (
            select account_id, caller_key from ct_call_base where caller_key is not null
            union
            select ca.account_id, ca.caller_key from attribution.call_attribution ca
            semi join ct_new_call_ids using (call_id) where ca.caller_key is not null
        ),
        range_buckets as (
            select r.*, unnest(range(r.hold_from_us // {BUCKET_US},
                                     r.hold_to_us // {BUCKET_US} + 1)) as bucket
            from ct_ranges r
        ),
        by_range as (
            select distinct ca.call_id
            from attribution.call_attribution ca
            join range_buckets r
              on r.account_id = ca.account_id and r.tracking_number = ca.tracking_number
             and r.bucket = epoch_us(ca.started_at) // {BUCKET_US}
            where epoch_us(ca.started_at) between r.hold_from_us and r.hold_to_us
        )
        select call_id from ct_new_call_ids
        union
        select call_id from by_range
        union
        select ca.call_id from attribution.call_attribution ca
        semi join ct_aff_visitors using (account_id, visitor_id)
        union
        select ca.call_id from attribution.call_attribution ca
        semi join callers using (account_id, caller_key)
        """
    )


# --- quality figures (asset metadata and checks) ---------------------------------------------


@dataclass(frozen=True)
class Quality:
    calls: int
    duplicate_call_rows: int
    pool_calls: int
    matched: int
    ambiguous: int
    unattributed_pool: int
    bad_weight_groups: int

    @property
    def coverage(self) -> float | None:
        """Share of pool calls given a session (matched or ambiguous); None without pool calls."""
        if not self.pool_calls:
            return None
        return (self.matched + self.ambiguous) / self.pool_calls

    @property
    def ambiguity_rate(self) -> float | None:
        if not self.pool_calls:
            return None
        return self.ambiguous / self.pool_calls


# Tolerance of "weights of one call and model sum to 1" (float sums of up to ~100 terms).
WEIGHT_TOLERANCE = 1e-9


def quality(con: duckdb.DuckDBPyConnection) -> Quality:
    row = con.execute(
        """
        select count(*), count(*) - count(distinct call_id),
               count(*) filter (where number_kind = 'pool'),
               count(*) filter (where attribution_status = 'matched'),
               count(*) filter (where attribution_status = 'ambiguous'),
               count(*) filter (where number_kind = 'pool'
                                and attribution_status = 'unattributed')
        from attribution.call_attribution
        """
    ).fetchone()
    bad = con.execute(
        """
        select count(*) from (
            select call_id, model, sum(weight) as total from attribution.touches group by all
        ) where abs(total - 1.0) > $tol
        """,
        {"tol": WEIGHT_TOLERANCE},
    ).fetchone()
    assert row is not None and bad is not None
    return Quality(*(int(v) for v in row), bad_weight_groups=int(bad[0]))


def calls_missing_touches(con: duckdb.DuckDBPyConnection) -> int:
    """Attributed calls with a visitor but without all five models in touches."""
    row = con.execute(
        """
        select count(*) from attribution.call_attribution c
        where c.session_id is not null and c.visitor_id is not null
          and (select count(distinct model) from attribution.touches t
               where t.call_id = c.call_id) <> 5
        """
    ).fetchone()
    return int(row[0]) if row else 0


def row_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows of one of the engine's own tables (`table` is a constant of this package)."""
    return _count(con, f"select count(*) from {table}")


def _preload_arrow_compute() -> None:
    """Import pyarrow.compute (Arrow's `take`, used on the results, imports it: ~0.1 s) in a
    thread, so the import overlaps the engine's first DuckDB queries, which release the GIL."""
    if "pyarrow.compute" not in sys.modules:
        threading.Thread(
            target=importlib.import_module, args=("pyarrow.compute",), daemon=True
        ).start()


# --- the matching core alone (benchmarks) -----------------------------------------------------


def match_pool_calls(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Only the matching of the full run (the same SQL and kernel): per call, its
    attribution_status (dictionary-encoded), candidate_count and session_id, as an Arrow table;
    writes nothing persistent.

    For benchmarks against reference implementations that compute just this (and return a
    frame): it leaves out session attributes (pool_id included), caller keys, first-time flags,
    touches and the table writes, and reads the holds and the calls' number rows straight from
    the full run's queries instead of through temp tables.
    """
    _preload_arrow_compute()
    con.execute(ACCOUNTS_SQL)
    con.execute(_session_core_sql("raw.dni_beacons", attrs=False, pools=False))
    con.execute(NUMBER_KEYS_SQL)
    con.execute(NUMBERS_SQL.format(acct=ACCT.format(src="raw.tracking_numbers_current")))
    # The holds are read straight from their query (nothing else reads them) and indexed in a
    # thread while the calls are read.
    holds = "(" + HOLDS_SELECT.format(beacons="raw.dni_beacons", timeout_us=TIMEOUT_US) + ")"
    read = _HoldsRead(con, holds)
    base = "(" + _call_base_select("raw.call_events", callers=False) + ")"
    calls = _fetch_arrow(con, MATCH_CALLS_SQL.format(numbers=CALL_NUMBERS_SELECT.format(base=base)))
    kind = _int64(calls["kind"])
    pool = kind == 1
    count = np.zeros(len(kind), dtype=np.int64)
    winner = np.full(len(kind), -1, dtype=np.int64)
    count[pool], winner[pool], session_ids = _match(
        con,
        _int64(calls["nkey"])[pool],
        _int64(calls["t_us"])[pool],
        _int64(calls["timeout_us"])[pool],
        sessions="ct_sess_core",
        holds=holds,
        read=read,
    )
    # STATUS_SQL's rule on arrays (codes into the four statuses).
    code = np.zeros(len(kind), dtype=np.int8)
    code[kind == 2] = 1
    code[pool & (count == 1)] = 2
    code[pool & (count > 1)] = 3
    # Dictionary-encoded (four strings): decoding 1M statuses would cost ~0.05 s.
    status = pa.DictionaryArray.from_arrays(_arrow(code), _strings(STATUSES))
    return pa.Table.from_arrays(
        [
            calls["call_id"],
            status,
            _arrow(count, pool),
            session_ids.take(_arrow(np.maximum(winner, 0), winner >= 0)),
        ],
        names=["call_id", "attribution_status", "candidate_count", "session_id"],
    )


STATUSES = ("unattributed", "static", "matched", "ambiguous")


def _strings(values: tuple[str, ...]) -> pa.Array:
    data = [v.encode() for v in values]
    offsets = np.r_[0, np.cumsum([len(d) for d in data])].astype(np.int32)
    return pa.Array.from_buffers(
        pa.string(), len(data), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))]
    )


def matched_before_assignment(con: duckdb.DuckDBPyConnection) -> int:
    """Calls credited to a session that had not been shown the number by the call's start."""
    row = con.execute(
        """
        select count(*) from attribution.call_attribution a
        where a.session_id is not null and not exists (
            select 1 from attribution.number_assignments n
            where n.account_id = a.account_id and n.session_id = a.session_id
              and n.tracking_number = a.tracking_number and n.assigned_at <= a.started_at)
        """
    ).fetchone()
    return int(row[0]) if row else 0


def accuracy_vs_truth(con: duckdb.DuckDBPyConnection, truth_calls: str) -> dict[str, float | int]:
    """Agreement with a simulator's ground truth (`_truth/calls.parquet` at `truth_calls`).

    unique_candidate_accuracy: share of calls whose true session was the only valid candidate
    that are matched to it; matched_before_assignment: calls credited to a session that had
    not been given the number yet (must be 0); status_agreement: share of calls whose status is
    the one design.md's rules give on the simulated data.
    """
    row = con.execute(
        """
        with truth as (select * from read_parquet($path)),
        j as (select t.*, a.session_id as got_session, a.attribution_status as got_status
              from truth t left join attribution.call_attribution a using (call_id))
        select count(*) filter (where true_session_was_unique_candidate),
               count(*) filter (where true_session_was_unique_candidate
                                and got_session = true_session_id),
               count(*) filter (where got_status = expected_attribution_status),
               count(*)
        from j
        """,
        {"path": truth_calls},
    ).fetchone()
    bad = matched_before_assignment(con)
    assert row is not None
    unique, unique_ok, status_ok, calls = (int(v) for v in row)
    return {
        "truth_calls": calls,
        "unique_candidate_calls": unique,
        "unique_candidate_accuracy": unique_ok / unique if unique else 1.0,
        "matched_before_assignment": bad,
        "status_agreement": status_ok / calls if calls else 1.0,
    }
