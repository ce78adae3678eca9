-- Features of each ended call for the call-scoring model (issue 8), known at call end only,
-- and its label. Built from intermediate and staging models only, never from fct_calls:
-- fct_calls reads ml.call_scores, which the scoring asset writes from this table.
with

calls as (

    select * from {{ ref('int_calls_joined') }}

),

conversions as (

    select * from {{ ref('int_conversions_linked') }}

),

transcripts as (

    select * from {{ ref('stg_transcripts__call_transcripts') }}

),

data_horizon as (

    -- the newest call start in the warehouse: "now" as far as the data knows
    select max(started_at) as horizon_at from calls

),

labels as (

    select
        calls.call_id,
        count(conversions.conversion_id) > 0 as label_converted_30d
    from calls
    left join conversions
        on
            calls.call_id = conversions.call_id
            and conversions.converted_at
            <= calls.ended_at + to_days({{ var('label_window_days') }})
    where calls.call_status = 'completed'
    group by calls.call_id

),

final as (

    select
        calls.call_id,
        calls.account_id,
        calls.started_at,
        calls.ended_at,
        calls.date_local,
        calls.hour_local,
        calls.day_of_week_local,
        calls.talk_seconds,
        calls.ring_seconds,
        calls.duration_seconds,
        calls.is_answered,
        calls.is_first_time_caller,
        calls.channel,
        calls.source,
        calls.attribution_status,
        calls.keyword is not null as has_keyword,
        transcripts.transcript_status,
        transcripts.redacted_text,
        transcripts.sentiment_overall,
        transcripts.sentiment_caller,
        transcripts.sentiment_agent,
        transcripts.outcome,
        transcripts.spotted_keywords,
        calls.qualified_call_seconds,
        calls.is_qualified,
        labels.label_converted_30d,
        calls.ended_at + to_days({{ var('label_window_days') }}) <= data_horizon.horizon_at
            as label_window_complete
    from calls
    inner join labels on calls.call_id = labels.call_id
    cross join data_horizon
    left join transcripts on calls.call_id = transcripts.call_id

)

select * from final
