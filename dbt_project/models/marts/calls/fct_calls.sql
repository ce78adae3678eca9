{{
    config(
        materialized='incremental',
        unique_key='call_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

-- depends_on: {{ ref('int_conversions_linked') }}

-- One row per call. Incremental: a run rebuilds the calls that changed since the last run (a
-- new event, a new attribution, a transcript or score: the watermark columns _*) and the calls
-- whose linked conversions may differ from the built ones (a new conversion, or one that moved
-- to another call: a newer call of the same caller takes it, or the CRM re-sent it with another
-- call_id): the calls of the links int_conversions_linked wrote since the last build, with the
-- calls those left, however old (conversion_links_replaced: every call's conversions are
-- compared instead after that model was rebuilt whole), and keeps the rest, so a daily run's
-- work follows the day's data, not a window of days or all history. A change
-- behind no watermark (an account's timezone or threshold edited) needs
-- `calltrack dbt build --full-refresh`.
with

-- not materialized: DuckDB materializes a CTE read twice, here a copy of every call with
-- every column on each run (0.4 s at 1.6M calls)
calls as not materialized (

    select * from {{ ref('int_calls_joined') }}

),

conversions as (

    select * from {{ ref('int_call_conversions_aggregated') }}

),

transcripts as (

    select * from {{ ref('stg_transcripts__call_transcripts') }}

),

scores as (

    select * from {{ ref('stg_ml__call_scores') }}

),

{% if is_incremental() %}
    watermarks as (

        -- coalesced, not "or ... is null" below: a plain comparison lets DuckDB skip the
        -- row groups older than the watermark
        select
            coalesce(max(_events_load_id), -1) as events_load_id,
            coalesce(max(_attributed_at), cast('-infinity' as timestamptz)) as attributed_at,
            coalesce(max(_transcribed_at), cast('-infinity' as timestamptz)) as transcribed_at,
            coalesce(max(_scored_at), cast('-infinity' as timestamptz)) as scored_at
        from {{ this }}

    ),

    -- the calls whose conversions may differ from those built
    conversion_changes as (

        {% if conversion_links_replaced('_run_conversions_linked_at') %}
            -- conversions as linked now against those built: both sides, so a call that lost
            -- a conversion is rebuilt as well as the call that gained it
            select coalesce(conversions.call_id, built.call_id) as call_id
            from conversions
            full outer join (  -- noqa: ST05
                select
                    this.call_id,
                    this.conversion_count,
                    this.conversion_value,
                    this.first_converted_at,
                    this._conversions_load_id
                from {{ this }} as this
                where this.conversion_count > 0
            ) as built
                on conversions.call_id = built.call_id
            where
                conversions.conversion_count is distinct from built.conversion_count
                or conversions.conversion_value is distinct from built.conversion_value
                or conversions.first_converted_at is distinct from built.first_converted_at
                or conversions.max_load_id is distinct from built._conversions_load_id
        {% else %}
            -- the links written since the last build: the call that has the conversion now,
            -- and every call it left
            select unnest(list_append(links._run_unlinked_call_ids, links.call_id)) as call_id
            from {{ ref('int_conversions_linked') }} as links
            where
                links._run_linked_at > (
                    select max(this._run_conversions_linked_at) from {{ this }} as this
                )
        {% endif %}

    ),

    changed_calls as (

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
        select scores.call_id
        from scores, watermarks
        where scores.scored_at > watermarks.scored_at

    ),

{% endif %}
calls_in_scope as (

    {% if is_incremental() %}
        {{ rows_by_key(ref('int_calls_joined'), 'call_id',
            'select changed_calls.call_id from changed_calls') }}
    {% else %}
        select * from calls
    {% endif %}

),

final as (

    select
        calls_in_scope.call_id,
        calls_in_scope.account_id,
        calls_in_scope.location_id,
        calls_in_scope.currency,
        calls_in_scope.started_at,
        calls_in_scope.started_at_local,
        calls_in_scope.date_local,
        calls_in_scope.hour_local,
        calls_in_scope.day_of_week_local,
        calls_in_scope.ended_at,
        calls_in_scope.tracking_number,
        calls_in_scope.number_kind,
        calls_in_scope.pool_id,
        calls_in_scope.caller_key,
        calls_in_scope.caller_region,
        calls_in_scope.end_status,
        calls_in_scope.call_status,
        calls_in_scope.is_answered,
        calls_in_scope.is_missed,
        calls_in_scope.duration_seconds,
        calls_in_scope.talk_seconds,
        calls_in_scope.ring_seconds,
        calls_in_scope.is_qualified,
        calls_in_scope.is_first_time_caller,
        calls_in_scope.attribution_status,
        calls_in_scope.candidate_count,
        calls_in_scope.session_id,
        calls_in_scope.visitor_id,
        calls_in_scope.channel,
        calls_in_scope.source,
        calls_in_scope.medium,
        calls_in_scope.campaign,
        calls_in_scope.ad_group,
        calls_in_scope.keyword,
        calls_in_scope.match_type,
        calls_in_scope.campaign_id,
        calls_in_scope.ad_group_id,
        calls_in_scope.keyword_id,
        calls_in_scope.landing_page,
        calls_in_scope.gclid,
        calls_in_scope.has_recording,
        transcripts.transcript_status,
        transcripts.sentiment_overall as sentiment_score,
        transcripts.sentiment_label,
        transcripts.outcome,
        scores.call_score,
        coalesce(conversions.conversion_count, 0) > 0 as is_converted,
        coalesce(conversions.conversion_count, 0) as conversion_count,
        conversions.conversion_value,
        conversions.first_converted_at,
        calls_in_scope.max_load_id as _events_load_id,
        calls_in_scope.attributed_at as _attributed_at,
        conversions.max_load_id as _conversions_load_id,
        transcripts.transcribed_at as _transcribed_at,
        scores.scored_at as _scored_at,
        conversions.max_linked_at as _run_conversions_linked_at
    from calls_in_scope
    left join conversions on calls_in_scope.call_id = conversions.call_id
    left join transcripts on calls_in_scope.call_id = transcripts.call_id
    left join scores on calls_in_scope.call_id = scores.call_id

)

select * from final
-- a full build writes the rows in call start order (full_build_order): a daily run deletes and
-- re-inserts recent calls, and when those sit together in the newest row groups, DuckDB's
-- checkpoint rewrites only those (a full build in join order scattered them over every row group:
-- ~2 s of checkpoint for 3 days of calls rewritten at 500k calls instead of ~0.3 s)
{{ full_build_order('started_at') }}
