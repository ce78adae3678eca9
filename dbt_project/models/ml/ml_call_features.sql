{{
    config(
        materialized='incremental',
        unique_key='call_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

-- Features of each ended call for the call-scoring model (issue 8), known at call end only,
-- and its label. Built from intermediate and staging models only, never from fct_calls:
-- fct_calls reads ml.call_scores, which the scoring asset writes from this table.
-- Incremental, like fct_calls: a run rebuilds the calls with a new event or attribution (the
-- watermark columns _*), the calls of the links int_conversions_linked wrote since the last
-- build and the calls those left (a conversion moved to a newer call of the caller; as in
-- fct_calls, with the same fallback after that model was rebuilt whole: the earlier calls of
-- the same caller within the conversion link window of the new calls, and the calls that a
-- conversion loaded since the last build links to), the calls a new transcript links to, and
-- the built calls whose label_window_complete flips with the moving data horizon; it keeps the
-- rest. An edited account (threshold, timezone) needs a full refresh.
with

calls as not materialized (

    select * from {{ ref('int_calls_joined') }}

),

conversions as (

    select * from {{ ref('int_conversions_linked') }}

),

transcripts as (

    select * from {{ ref('stg_transcripts__call_transcripts') }}

),

data_horizon as (

    -- the newest call start in the warehouse is "now" as far as the data knows; a call's label
    -- window is complete when it ended at least N days before it (ended_at + N days <= now,
    -- the days subtracted once here: timestamptz + interval per row goes through ICU's
    -- calendar, 0.4 s of the daily run's check over 1.6M built calls)
    select max(started_at) - to_days({{ var('label_window_days') }}) as label_cutoff_at
    from calls

),

{% if is_incremental() %}
    watermarks as (

        -- coalesced, not "or ... is null" below: a plain comparison lets DuckDB skip the
        -- row groups older than the watermark
        select
            coalesce(max(this._events_load_id), -1) as events_load_id,
            coalesce(max(this._attributed_at), cast('-infinity' as timestamptz)) as attributed_at,
            coalesce(max(this._transcribed_at), cast('-infinity' as timestamptz))
                as transcribed_at,
            coalesce(max(this._conversions_load_id), -1) as conversions_load_id
        from {{ this }} as this

    ),

    -- the calls whose linked conversions may differ from those built (see fct_calls)
    conversion_changes as (

        {% if conversion_links_replaced('_run_conversions_linked_at') %}
            -- a new or re-attributed call can take a conversion linked by caller_key from an
            -- earlier call of the same caller: that call is rebuilt too
            select earlier.call_id
            from calls as arrived
            cross join watermarks
            inner join calls as earlier
                on
                    arrived.account_id = earlier.account_id
                    and arrived.caller_key = earlier.caller_key
                    and arrived.started_at >= earlier.started_at
                    and arrived.started_at - to_days({{ var('conversion_link_window_days') }})
                    <= earlier.started_at
            where
                arrived.max_load_id > watermarks.events_load_id
                or arrived.attributed_at > watermarks.attributed_at
            union
            -- a conversion loaded since the last build has a newer load than every
            -- conversion linked then (this may pick up a few older, unlinked ones again, never
            -- miss a new one). The calls' event watermark would not do: a backfill loads every
            -- day's call events before the conversions, so all of those would count as new.
            select conversions.call_id
            from conversions, watermarks
            where
                conversions.call_id is not null
                and conversions.load_id > watermarks.conversions_load_id
        {% else %}
            -- the links written since the last build: the call that has the conversion now,
            -- and every call it left
            select unnest(list_append(links._run_unlinked_call_ids, links.call_id)) as call_id
            from conversions as links
            where
                links._run_linked_at > (
                    select max(this._run_conversions_linked_at) from {{ this }} as this
                )
        {% endif %}

    ),

    changed_calls as (

        -- calls with a new event or a new attribution
        select calls.call_id
        from calls, watermarks
        where calls.max_load_id > watermarks.events_load_id
        union
        select calls.call_id
        from calls, watermarks
        where calls.attributed_at > watermarks.attributed_at
        union
        select conversion_changes.call_id
        from conversion_changes
        union
        select transcripts.call_id
        from transcripts, watermarks
        where transcripts.transcribed_at > watermarks.transcribed_at
        union
        -- the label window of a built call closed (or reopened) with the data horizon
        select this.call_id
        from {{ this }} as this, data_horizon
        where
            this.label_window_complete
            is distinct from (this.ended_at <= data_horizon.label_cutoff_at)

    ),

{% endif %}
calls_in_scope as (

    {% if is_incremental() %}
        select changed.*
        from ({{ rows_by_key(ref('int_calls_joined'), 'call_id',
            'select changed_calls.call_id from changed_calls') }}) as changed
        where changed.call_status = 'completed'
    {% else %}
        select * from calls
        where call_status = 'completed'
    {% endif %}

),

labels as (

    select
        calls_in_scope.call_id,
        count(conversions.conversion_id) filter (
            where
            conversions.converted_at
            <= calls_in_scope.ended_at + to_days({{ var('label_window_days') }})
        ) > 0 as label_converted_30d,
        max(conversions.load_id) as conversions_load_id,
        max(conversions._run_linked_at) as conversions_linked_at
    from calls_in_scope
    left join conversions on calls_in_scope.call_id = conversions.call_id
    group by calls_in_scope.call_id

),

final as (

    select
        calls_in_scope.call_id,
        calls_in_scope.account_id,
        calls_in_scope.started_at,
        calls_in_scope.ended_at,
        calls_in_scope.date_local,
        calls_in_scope.hour_local,
        calls_in_scope.day_of_week_local,
        calls_in_scope.talk_seconds,
        calls_in_scope.ring_seconds,
        calls_in_scope.duration_seconds,
        calls_in_scope.is_answered,
        calls_in_scope.is_first_time_caller,
        calls_in_scope.channel,
        calls_in_scope.source,
        calls_in_scope.attribution_status,
        calls_in_scope.keyword is not null as has_keyword,
        transcripts.transcript_status,
        transcripts.redacted_text,
        transcripts.sentiment_overall,
        transcripts.sentiment_caller,
        transcripts.sentiment_agent,
        transcripts.outcome,
        transcripts.spotted_keywords,
        calls_in_scope.qualified_call_seconds,
        calls_in_scope.is_qualified,
        labels.label_converted_30d,
        calls_in_scope.ended_at <= data_horizon.label_cutoff_at as label_window_complete,
        calls_in_scope.max_load_id as _events_load_id,
        calls_in_scope.attributed_at as _attributed_at,
        transcripts.transcribed_at as _transcribed_at,
        labels.conversions_load_id as _conversions_load_id,
        labels.conversions_linked_at as _run_conversions_linked_at
    from calls_in_scope
    inner join labels on calls_in_scope.call_id = labels.call_id
    cross join data_horizon
    left join transcripts on calls_in_scope.call_id = transcripts.call_id

)

select * from final
-- a full build writes the rows in call start order (full_build_order): a daily run deletes and
-- re-inserts recent calls, and when those sit together in the newest row groups, DuckDB's
-- checkpoint rewrites only those (a full build in join order scattered them over every row group:
-- ~2 s of checkpoint for fct_calls' 3-day lookback at 500k calls instead of ~0.3 s)
{{ full_build_order('started_at') }}
