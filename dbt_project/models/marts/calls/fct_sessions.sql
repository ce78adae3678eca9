{{
    config(
        materialized='incremental',
        unique_key='session_id',
        incremental_strategy='bounded_delete_insert',
        delete_bound='started_at',
        on_schema_change='append_new_columns',
        post_hook="""
            delete from {{ this }} as built
            where
                built.last_beacon_at >= (
                    select max(this.last_beacon_at)
                    - to_days({{ var('incremental_lookback_days') }})
                    from {{ this }} as this
                )
                and not exists (
                    -- a session that still exists has a last beacon at least as late as when
                    -- it was built (beacons only accumulate), so only the window is searched
                    select 1 from {{ ref('stg_attribution__sessions') }} as sessions
                    where
                        sessions.session_id = built.session_id
                        and sessions.last_beacon_at >= (
                            select max(this.last_beacon_at)
                            - to_days({{ var('incremental_lookback_days') }})
                            from {{ this }} as this
                        )
                )
        """
    )
}}

-- One row per website session. Incremental: a daily run rebuilds the sessions that are new or
-- that attribution recomputed since they were built (late beacons: another beacon count or
-- first/last beacon time; only sessions whose last beacon is within incremental_lookback_days
-- of the newest one built are compared) and the sessions whose number of attributed calls
-- changed; older sessions are kept, and a session within the lookback that attribution no longer
-- has is deleted (post-hook). The per-row timezone conversion runs on those only. The delete of
-- the rebuilt rows looks only from the batch's earliest start on (bounded_delete_insert: a
-- session's start is its earliest beacon, so it only moves earlier as beacons arrive and its
-- built row started no earlier than the new one). After attribution re-classifies sessions
-- without new beacons (new channel rules), run a full refresh.
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

calls_per_session as (

    select
        session_id,
        count(*) as calls
    from call_attribution
    where session_id is not null
    group by session_id

),

{% if is_incremental() %}
    lookback as (

        -- -infinity on an empty table (not null: a plain comparison lets DuckDB skip the
        -- row groups before the lookback, an "or ... is null" did not)
        select
            coalesce(
                max(this.last_beacon_at) - to_days({{ var('incremental_lookback_days') }}),
                cast('-infinity' as timestamptz)
            ) as last_beacon_from
        from {{ this }} as this

    ),

    -- the lookback's sessions as they were built ...
    recent_built as (

        select
            this.session_id,
            {{ session_change_hash('this') }} as change_hash
        from {{ this }} as this, lookback
        where this.last_beacon_at >= lookback.last_beacon_from

    ),

    -- ... and as attribution has them now, every column: they sit in the newest row groups,
    -- so only those are read (picking the changed sessions out of every session read every
    -- column of all of them, most of a daily run's select)
    recent_sessions as not materialized (

        select
            sessions.*,
            {{ session_change_hash('sessions') }} as change_hash
        from sessions, lookback
        where sessions.last_beacon_at >= lookback.last_beacon_from

    ),

    built_with_calls as (

        select
            this.session_id,
            this.calls
        from {{ this }} as this
        where this.calls > 0

    ),

    -- both sides: a session can gain its first call or lose its last one (a call re-attributed
    -- elsewhere, however old)
    sessions_with_other_calls as (

        select coalesce(calls_per_session.session_id, built_with_calls.session_id) as session_id
        from calls_per_session
        full outer join built_with_calls
            on calls_per_session.session_id = built_with_calls.session_id
        where calls_per_session.calls is distinct from built_with_calls.calls

    ),

    changed_recent_sessions as (

        select recent_sessions.* exclude (change_hash)  -- noqa: RF02
        from recent_sessions
        left join recent_built
            on
                recent_sessions.session_id = recent_built.session_id
                and recent_sessions.change_hash = recent_built.change_hash
        where
            recent_built.session_id is null
            or recent_sessions.session_id in (
                select sessions_with_other_calls.session_id from sessions_with_other_calls
            )

    ),

    -- an older session whose number of calls changed (usually none: DuckDB then skips the
    -- scan), or one attribution no longer has (not found)
    older_changed_sessions as (

        select sessions_with_other_calls.session_id
        from sessions_with_other_calls
        anti join recent_sessions
            on sessions_with_other_calls.session_id = recent_sessions.session_id

    ),

    sessions_to_build as (

        select * from changed_recent_sessions
        union all
        select sessions.*
        from sessions
        where
            sessions.session_id in (
                select older_changed_sessions.session_id from older_changed_sessions
            )

    ),

{% else %}
    sessions_to_build as (

        select * from sessions

    ),

{% endif %}
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
        coalesce(calls_per_session.calls, 0) > 0 as has_call
    from sessions_in_scope
    left join calls_per_session on sessions_in_scope.session_id = calls_per_session.session_id

)

select * from final
-- rows in session start order, as in fct_calls: a daily run's new sessions then sit together in
-- the newest row groups, and the lookback's scans and the checkpoint touch only those
order by started_at
