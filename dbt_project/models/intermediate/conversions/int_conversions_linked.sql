{{
    config(
        materialized='incremental',
        unique_key='conversion_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

-- Each conversion linked to at most one call: by call_id when the CRM knows it (and the call
-- exists), else to the same caller's latest call of the same account at or before the
-- conversion, at most conversion_link_window_days earlier. Unlinked conversions stay, with a
-- null call_id, so nothing is silently dropped.
-- Incremental (fct_calls and ml_call_features both read it; linking every conversion against
-- every call on each run was most of their daily cost): a run relinks the conversions loaded
-- since the last run, those whose caller key attribution wrote or changed since they were
-- linked, and those a changed call can concern (a call with a new event or attribution since
-- the newest the last run saw: the _run_* columns, the run's bookkeeping, not data): the
-- conversions naming it by call_id, the ones linked to it, and its caller's conversions within
-- the window after it. Every other conversion's candidates are
-- unchanged, so its link is too. raw.conversions is append-only (a correction is a new load
-- of the same event_id, which counts as loaded since); an edited account needs a full refresh,
-- as for the call models.
-- For its readers, each row written records the run (_run_linked_at) and the calls earlier
-- builds had linked the conversion to (_run_unlinked_call_ids, accumulated, so a conversion
-- that moved twice before a reader's next build names both calls it left): fct_calls and
-- ml_call_features rebuild those calls and the current one for every row written since their
-- own last build, instead of comparing every call's conversions on each run.
with

conversions as not materialized (

    select * from {{ ref('stg_raw__conversions') }}

),

conversion_caller_keys as not materialized (

    select * from {{ ref('stg_attribution__conversion_caller_keys') }}

),

calls as not materialized (

    select * from {{ ref('int_calls_joined') }}

),

calls_watermarks as (

    -- every call up to these has been seen by this run's links
    select
        max(calls.max_load_id) as events_load_id,
        max(calls.attributed_at) as attributed_at
    from calls

),

{% if is_incremental() %}
    watermarks as (

        -- coalesced, not "or ... is null" below: a plain comparison lets DuckDB skip the
        -- row groups older than the watermark
        select
            coalesce(max(this.load_id), -1) as conversions_load_id,
            coalesce(max(this._run_calls_load_id), -1) as calls_events_load_id,
            coalesce(
                max(this._run_calls_attributed_at), cast('-infinity' as timestamptz)
            ) as calls_attributed_at
        from {{ this }} as this

    ),

    changed_calls as (

        select
            calls.call_id,
            calls.account_id,
            calls.caller_key,
            calls.started_at
        from calls, watermarks
        where calls.max_load_id > watermarks.calls_events_load_id
        union
        select
            calls.call_id,
            calls.account_id,
            calls.caller_key,
            calls.started_at
        from calls, watermarks
        where calls.attributed_at > watermarks.calls_attributed_at

    ),

    conversions_to_link as (

        select conversions.conversion_id
        from conversions, watermarks
        where conversions.load_id > watermarks.conversions_load_id
        union
        -- a caller key written after the conversion was linked (or rewritten)
        select conversion_caller_keys.conversion_id
        from conversion_caller_keys
        left join {{ this }} as this
            on conversion_caller_keys.conversion_id = this.conversion_id
        where conversion_caller_keys.caller_key is distinct from this._caller_key
        union
        select conversions.conversion_id
        from conversions
        inner join changed_calls on conversions.call_id = changed_calls.call_id
        union
        select this.conversion_id
        from {{ this }} as this
        inner join changed_calls on this.call_id = changed_calls.call_id
        union
        select this.conversion_id
        from {{ this }} as this
        inner join changed_calls
            on
                this.account_id = changed_calls.account_id
                and this._caller_key = changed_calls.caller_key
                and this.converted_at >= changed_calls.started_at
                and this.converted_at - to_days({{ var('conversion_link_window_days') }})
                <= changed_calls.started_at

    ),

{% endif %}
conversions_in_scope as (

    select
        conversions.*,
        conversion_caller_keys.caller_key
    from conversions
    left join conversion_caller_keys
        on conversions.conversion_id = conversion_caller_keys.conversion_id
    {% if is_incremental() %}
        where
            conversions.conversion_id in (
                select conversions_to_link.conversion_id from conversions_to_link
            )
    {% endif %}

),

by_call_id as (

    select
        conversions_in_scope.conversion_id,
        calls.call_id
    from conversions_in_scope
    inner join calls
        on
            conversions_in_scope.call_id = calls.call_id
            and conversions_in_scope.account_id = calls.account_id

),

by_caller_key as (

    select
        conversions_in_scope.conversion_id,
        arg_max(calls.call_id, calls.started_at) as call_id
    from conversions_in_scope
    inner join calls
        on
            conversions_in_scope.caller_key = calls.caller_key
            and conversions_in_scope.account_id = calls.account_id
            and conversions_in_scope.converted_at >= calls.started_at
            and calls.started_at
            >= conversions_in_scope.converted_at
            - to_days({{ var('conversion_link_window_days') }})
    where
        conversions_in_scope.conversion_id not in (
            select by_call_id.conversion_id from by_call_id
        )
    group by conversions_in_scope.conversion_id

),

linked as (

    select
        conversions_in_scope.conversion_id,
        conversions_in_scope.account_id,
        conversions_in_scope.converted_at,
        conversions_in_scope.conversion_type,
        conversions_in_scope.conversion_value,
        conversions_in_scope.currency,
        conversions_in_scope.load_id,
        coalesce(by_call_id.call_id, by_caller_key.call_id) as call_id,
        case
            when by_call_id.call_id is not null then 'call_id'
            when by_caller_key.call_id is not null then 'caller_key'
            else 'unlinked'
        end as link_method,
        conversions_in_scope.caller_key as _caller_key,
        calls_watermarks.events_load_id as _run_calls_load_id,
        calls_watermarks.attributed_at as _run_calls_attributed_at
    from conversions_in_scope
    cross join calls_watermarks
    left join by_call_id on conversions_in_scope.conversion_id = by_call_id.conversion_id
    left join by_caller_key on conversions_in_scope.conversion_id = by_caller_key.conversion_id

),

final as (

    select
        linked.*,
        -- the run's instant: later than every row an earlier run wrote
        now() as _run_linked_at,
        {% if is_incremental() %}
            -- the calls earlier builds linked it to, other than its call now, in order (a
            -- table built before this column existed knows only its last call)
            list_filter(
                list_sort(list_distinct(
                    list_append(
                        {% if relation_has_column(this, '_run_unlinked_call_ids') -%}
                            built._run_unlinked_call_ids
                        {%- else -%}
                            cast(null as varchar[])
                        {%- endif %},
                        built.call_id
                    )
                )),
                lambda earlier: earlier is distinct from linked.call_id  -- noqa: RF02
            ) as _run_unlinked_call_ids
        {% else %}
            cast([] as varchar[]) as _run_unlinked_call_ids
        {% endif %}
    from linked
    {% if is_incremental() %}
        left join {{ this }} as built on linked.conversion_id = built.conversion_id
    {% endif %}

)

select * from final
-- rows in load order: a daily run's new conversions sit together in the newest row groups
order by load_id, conversion_id
