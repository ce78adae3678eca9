{{
    config(
        materialized='incremental',
        unique_key='session_id',
        incremental_strategy='bounded_delete_insert',
        delete_bound='started_at',
        on_schema_change='append_new_columns',
        pre_hook="""
            {% if is_incremental() %}
                -- the watermark as it was before this run (the post-hook needs it)
                set variable fct_sessions_computed_at = (
                    {% if relation_has_column(this, '_computed_at') %}
                        select coalesce(max(this._computed_at), cast('-infinity' as timestamptz))
                        from {{ this }} as this
                    {% else %}
                        select cast('-infinity' as timestamptz)
                    {% endif %}
                );
            {% endif %}
        """,
        post_hook="""
            {% if is_incremental() %}
                -- the sessions attribution removed since the last run: a row built from the
                -- session before its removal goes (a session attribution wrote again later is
                -- newer than its removal, and was rebuilt above)
                delete from {{ this }} as built
                using {{ ref('stg_attribution__deleted_sessions') }} as deleted
                where
                    deleted.deleted_at > getvariable('fct_sessions_computed_at')
                    and built.session_id = deleted.session_id
                    and coalesce(built._computed_at, cast('-infinity' as timestamptz))
                    < deleted.deleted_at
            {% endif %}
        """
    )
}}

-- depends_on: {{ ref('stg_attribution__deleted_sessions') }}

-- One row per website session. Incremental on attribution's computed_at, when attribution last
-- wrote a session or changed the calls attributed to it: a daily run rebuilds the sessions with
-- a computed_at past the newest one built (new sessions, late beacons, sessions that gained or
-- lost a call, every session after attribution re-ran in full for new channel rules or account
-- settings) and counts the calls of those only; older sessions are kept, and the sessions
-- attribution removed since (attribution.deleted_sessions, however old) are deleted
-- (post-hook). The per-row timezone conversion runs on the rebuilt sessions only. The delete of
-- the rebuilt rows looks only from the batch's earliest start on (bounded_delete_insert: a
-- session's start is its earliest beacon, so it only moves earlier as beacons arrive and its
-- built row started no earlier than the new one). A table built before the watermark column
-- existed is rebuilt whole once.
{%- set watermarked = is_incremental() and relation_has_column(this, '_computed_at') %}
with

sessions as not materialized (

    select * from {{ ref('stg_attribution__sessions') }}

),

call_attribution as not materialized (

    select * from {{ ref('stg_attribution__call_attribution') }}

),

accounts as (

    select * from {{ ref('stg_raw__accounts_current') }}

),

{% if watermarked %}
    watermark as (

        -- -infinity on an empty table (coalesced, not "or ... is null": a plain comparison lets
        -- DuckDB skip the row groups written before the watermark)
        select
            coalesce(
                max(this._computed_at), cast('-infinity' as timestamptz)
            ) as computed_at
        from {{ this }} as this

    ),

    -- not materialized: besides the rows below, the calls' filter reads only its keys and
    -- earliest start (DuckDB materializes a CTE read twice: 660,000 wide rows a daily run)
    sessions_to_build as not materialized (

        select sessions.*
        from sessions, watermark
        where sessions.computed_at > watermark.computed_at

    ),

{% else %}
    sessions_to_build as (

        select * from sessions

    ),

{% endif %}
calls_per_session as (

    select
        session_id,
        count(*) as calls
    from call_attribution
    where
        session_id is not null
        {% if watermarked %}
            -- a call is attributed to a session that held its number when it rang, so it
            -- started no earlier than the session: the calls before the batch's earliest start
            -- are skipped by row group (call_attribution is written in time order)
            and started_at >= (select min(sessions_to_build.started_at) from sessions_to_build)
            and session_id in (select sessions_to_build.session_id from sessions_to_build)
        {% endif %}
    group by session_id

),

sessions_in_scope as (

    -- the local time is computed once, for the sessions in scope only (see to_local)
    select
        sessions.*,
        {{ to_local('sessions.started_at', 'accounts.timezone') }} as started_at_local
    from sessions_to_build as sessions
    left join accounts on sessions.account_id = accounts.account_id

),

final as (

    select
        sessions_in_scope.session_id,
        sessions_in_scope.account_id,
        sessions_in_scope.visitor_id,
        sessions_in_scope.started_at,
        sessions_in_scope.started_at_local,
        cast(sessions_in_scope.started_at_local as date) as date_local,
        sessions_in_scope.last_beacon_at,
        sessions_in_scope.ended_at,
        -- elapsed time from the instants: subtracting two timestamptz goes through ICU's
        -- calendar in the connection's zone (~1.5 us a row, most of a full rebuild, and an
        -- hour off across a DST change when that zone is not UTC)
        cast(
            (epoch_us(sessions_in_scope.ended_at) - epoch_us(sessions_in_scope.started_at))
            / 1000000 as bigint
        ) as active_seconds,
        sessions_in_scope.beacon_count,
        sessions_in_scope.page_views,
        sessions_in_scope.landing_page,
        sessions_in_scope.referrer,
        sessions_in_scope.channel,
        sessions_in_scope.source,
        sessions_in_scope.medium,
        sessions_in_scope.campaign,
        sessions_in_scope.ad_group,
        sessions_in_scope.keyword,
        sessions_in_scope.match_type,
        sessions_in_scope.campaign_id,
        sessions_in_scope.ad_group_id,
        sessions_in_scope.keyword_id,
        sessions_in_scope.gclid,
        sessions_in_scope.gclid is not null as has_gclid,
        coalesce(calls_per_session.calls, 0) as calls,
        coalesce(calls_per_session.calls, 0) > 0 as has_call,
        sessions_in_scope.computed_at as _computed_at
    from sessions_in_scope
    left join calls_per_session on sessions_in_scope.session_id = calls_per_session.session_id

)

select * from final
-- a full build writes the rows in session start order (full_build_order), as fct_calls: a daily
-- run's new sessions then sit together in the newest row groups, and the next runs' scans and the
-- checkpoint touch only those
{{ full_build_order('started_at') }}
