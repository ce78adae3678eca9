{{
    config(
        materialized='incremental',
        unique_key='call_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- Calls joined with their attribution and their account's settings: the call-level rules
-- (answered, missed, qualified, local time) are decided here once, for fct_calls,
-- int_conversions_linked and ml_call_features alike. A table, incremental: a daily run rejoins
-- the calls with a new event (load watermark) or a new attribution (attributed_at) only, so
-- the per-call timezone conversion is not paid again for all history by each of its readers.
-- Like fct_calls, an edited account (timezone, currency, threshold) needs a full refresh.
with

calls as not materialized (

    select * from {{ ref('int_call_events_pivoted') }}

),

call_attribution as not materialized (

    select * from {{ ref('stg_attribution__call_attribution') }}

),

accounts as (

    select * from {{ ref('stg_raw__accounts_current') }}

),

{% if is_incremental() %}
    watermarks as (

        -- coalesced, not "or ... is null" below: a plain comparison lets DuckDB skip the
        -- row groups older than the watermark
        select
            coalesce(max(this.max_load_id), -1) as events_load_id,
            coalesce(max(this.attributed_at), cast('-infinity' as timestamptz)) as attributed_at
        from {{ this }} as this

    ),

    changed_calls as (

        select calls.call_id
        from calls, watermarks
        where calls.max_load_id > watermarks.events_load_id
        union
        select call_attribution.call_id
        from call_attribution, watermarks
        where call_attribution.attributed_at > watermarks.attributed_at

    ),

    -- both sides filtered before the join: DuckDB did not carry the calls' filter over the
    -- left join, and joined every call with its attribution before keeping the changed ones
    calls_in_scope as (

        {{ rows_by_key(ref('int_call_events_pivoted'), 'call_id',
            'select changed_calls.call_id from changed_calls') }}

    ),

    attribution_in_scope as (

        {{ rows_by_key(ref('stg_attribution__call_attribution'), 'call_id',
            'select changed_calls.call_id from changed_calls', position='_source_row') }}

    ),

{% else %}
    calls_in_scope as (

        select * from calls

    ),

    attribution_in_scope as (

        select * from call_attribution

    ),

{% endif %}
joined as (

    select
        calls.call_id,
        calls.account_id,
        accounts.currency,
        accounts.timezone,
        accounts.qualified_call_seconds,
        calls.started_at,
        calls.answered_at,
        calls.ended_at,
        {{ to_local('calls.started_at', 'accounts.timezone') }} as started_at_local,
        calls.tracking_number,
        coalesce(call_attribution.number_kind, 'unknown') as number_kind,
        call_attribution.pool_id,
        call_attribution.location_id,
        call_attribution.caller_key,
        calls.caller_region,
        calls.caller_country,
        calls.end_status,
        case when calls.has_ended_event then 'completed' else 'in_progress' end as call_status,
        -- answered: a call.answered event, and talk time once the call has ended
        -- (design.md "Missed: not answered (talk_seconds = 0 or no call.answered)")
        coalesce(
            calls.has_answered_event and (not calls.has_ended_event or calls.talk_seconds > 0),
            false
        ) as is_answered,
        calls.duration_seconds,
        calls.talk_seconds,
        calls.duration_seconds - calls.talk_seconds as ring_seconds,
        coalesce(calls.talk_seconds >= accounts.qualified_call_seconds, false) as is_qualified,
        call_attribution.is_first_time_caller,
        coalesce(call_attribution.attribution_status, 'unattributed') as attribution_status,
        call_attribution.candidate_count,
        call_attribution.session_id,
        call_attribution.visitor_id,
        call_attribution.channel,
        call_attribution.source,
        call_attribution.medium,
        call_attribution.campaign,
        call_attribution.ad_group,
        call_attribution.keyword,
        call_attribution.match_type,
        call_attribution.campaign_id,
        call_attribution.ad_group_id,
        call_attribution.keyword_id,
        call_attribution.landing_page,
        call_attribution.gclid,
        calls.has_recording,
        calls.recording_channels,
        calls.max_load_id,
        call_attribution.attributed_at

    from calls_in_scope as calls
    left join attribution_in_scope as call_attribution
        on calls.call_id = call_attribution.call_id
    left join accounts on calls.account_id = accounts.account_id

),

final as (

    select
        *,
        not is_answered as is_missed,
        cast(started_at_local as date) as date_local,
        hour(started_at_local) as hour_local,
        -- 0 = Monday (isodow is 1 = Monday .. 7 = Sunday)
        isodow(started_at_local) - 1 as day_of_week_local
    from joined

)

select * from final
-- a full build writes the rows in call start order (full_build_order): a daily run deletes and
-- re-inserts recent calls, and when those sit together in the newest row groups, DuckDB's
-- checkpoint rewrites only those (a full build in join order scattered them over every row group:
-- ~2 s of checkpoint for fct_calls' 3-day lookback at 500k calls instead of ~0.3 s)
{{ full_build_order('started_at') }}
