{{
    config(
        materialized='incremental',
        unique_key='session_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

-- One row per website session. Incremental: sessions whose last beacon is within
-- incremental_lookback_days of the newest one already built are rebuilt (sessions still
-- receiving beacons, calls arriving for them), older ones are kept.
with

sessions as (

    select * from {{ ref('stg_attribution__sessions') }}

),

call_attribution as (

    select * from {{ ref('stg_attribution__call_attribution') }}

),

accounts as (

    select * from {{ ref('stg_raw__accounts_current') }}

),

sessions_in_scope as (

    -- the local time is computed once: timezone() with a per-row zone costs ~10 us a row
    select
        sessions.*,
        {{ to_local('sessions.started_at', 'accounts.timezone') }} as started_at_local
    from sessions
    left join accounts on sessions.account_id = accounts.account_id
    {% if is_incremental() %}
        where
            sessions.last_beacon_at
            >= (
                select max(this.last_beacon_at) - to_days({{ var('incremental_lookback_days') }})
                from {{ this }} as this
            )
            or not exists (select 1 from {{ this }})
    {% endif %}

),

calls_per_session as (

    select
        session_id,
        count(*) as calls
    from call_attribution
    where session_id is not null
    group by session_id

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
        cast(
            epoch(sessions_in_scope.ended_at - sessions_in_scope.started_at) as bigint
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
