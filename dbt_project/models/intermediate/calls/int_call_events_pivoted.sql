{{
    config(
        materialized='incremental',
        unique_key='call_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- One row per call from its lifecycle events. Incremental: a run re-pivots only the calls that
-- received an event since the last run (load watermark), so a daily run reads the new day's
-- events plus the older events of those calls, not all of history.
with

call_events as not materialized (

    select * from {{ ref('stg_raw__call_events') }}

),

{% if is_incremental() %}
    changed_calls as (

        select distinct call_id
        from call_events
        where
            load_id > (select coalesce(max(this.max_load_id), -1) from {{ this }} as this)

    ),

{% endif %}
events_in_scope as (

    {% if is_incremental() %}
        {{ rows_by_key(ref('stg_raw__call_events'), 'call_id',
            'select changed_calls.call_id from changed_calls', position='_source_row') }}
    {% else %}
        select * from call_events
    {% endif %}

),

pivoted as (

    select
        call_id,
        -- the started event names the account and number; other events repeat them
        coalesce(
            arg_min(account_id, occurred_at) filter (where event_type = 'call.started'),
            arg_min(account_id, occurred_at)
        ) as account_id,
        coalesce(
            arg_min(tracking_number, occurred_at) filter (where event_type = 'call.started'),
            arg_min(tracking_number, occurred_at)
        ) as tracking_number,
        coalesce(
            min(occurred_at) filter (where event_type = 'call.started'), min(occurred_at)
        ) as started_at,
        min(occurred_at) filter (where event_type = 'call.answered') as answered_at,
        max(occurred_at) filter (where event_type = 'call.ended') as ended_at,
        arg_max(end_status, occurred_at) filter (where event_type = 'call.ended') as end_status,
        arg_max(duration_seconds, occurred_at) filter (
            where event_type = 'call.ended'
        ) as duration_seconds,
        arg_max(talk_seconds, occurred_at) filter (where event_type = 'call.ended') as talk_seconds,
        arg_min(caller_city, occurred_at) filter (where event_type = 'call.started') as caller_city,
        arg_min(caller_region, occurred_at) filter (
            where event_type = 'call.started'
        ) as caller_region,
        arg_min(caller_country, occurred_at) filter (
            where event_type = 'call.started'
        ) as caller_country,
        arg_max(recording_uri, occurred_at) filter (
            where event_type = 'call.recording_ready'
        ) as recording_uri,
        arg_max(recording_channels, occurred_at) filter (
            where event_type = 'call.recording_ready'
        ) as recording_channels,
        count(*) as event_count,
        max(load_id) as max_load_id

    from events_in_scope
    group by call_id

),

final as (

    select
        *,
        answered_at is not null as has_answered_event,
        ended_at is not null as has_ended_event,
        recording_uri is not null as has_recording
    from pivoted

)

select * from final
