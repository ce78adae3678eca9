{{
    config(
        materialized='incremental',
        unique_key='call_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        pre_hook="""
            {% if is_incremental() %}
                -- what the post-hook needs of the table as it was before this run
                set variable fct_attribution_touches_attributed_at = (
                    select max(this._attributed_at) from {{ this }} as this
                );
                set variable fct_attribution_touches_lookback_start = (
                    select max(this.call_started_at)
                    - to_days({{ var('incremental_lookback_days') }})
                    from {{ this }} as this
                );
            {% endif %}
        """,
        post_hook="""
            {% if is_incremental() %}
                -- a call this run rebuilt has its current attributed_at: a built call in the
                -- run's scope with another one lost all its touches (re-attributed as
                -- ambiguous or unattributed, so no row of it was inserted)
                -- (two selects rather than one with an or: each lets DuckDB skip older row groups)
                delete from {{ this }} as built
                using (
                    select calls.call_id, calls.attributed_at
                    from {{ ref('stg_attribution__call_attribution') }} as calls
                    where
                        calls.attributed_at
                        > getvariable('fct_attribution_touches_attributed_at')
                    union
                    select calls.call_id, calls.attributed_at
                    from {{ ref('stg_attribution__call_attribution') }} as calls
                    where
                        calls.started_at
                        >= getvariable('fct_attribution_touches_lookback_start')
                ) as call_attribution
                where
                    call_attribution.call_id = built.call_id
                    and built._attributed_at is distinct from call_attribution.attributed_at
            {% endif %}
        """
    )
}}

-- One row per call, attribution model and touched session, with its weight. Incremental by
-- call: every touch of a call that was (re)attributed since the last run (attributed_at
-- watermark), or that started within incremental_lookback_days of the newest call built and
-- whose attribution differs from the one built (not built yet, or another attributed_at), is
-- replaced together, so a call never keeps touches of an older attribution. delete+insert
-- deletes only the calls that still have touches; the post-hook removes the calls of the same
-- scope that lost all of theirs (re-attributed as ambiguous or unattributed), looking up only
-- that scope's calls (an anti join of every built touch against every touch took 1.4 s of a
-- daily run at 1.6M calls). The engine never drops a call from call_attribution (it re-inserts
-- every call it recomputes), so a call without a row there is not looked for.
with

call_attribution as (

    select * from {{ ref('stg_attribution__call_attribution') }}

),

{% if is_incremental() %}
    watermarks as (

        -- coalesced, not "or ... is null" below: a plain comparison lets DuckDB skip the
        -- row groups older than the watermark
        select
            coalesce(max(this._attributed_at), cast('-infinity' as timestamptz)) as attributed_at,
            max(this.call_started_at)
            - to_days({{ var('incremental_lookback_days') }}) as lookback_start
        from {{ this }} as this

    ),

    built_calls as (

        select distinct
            this.call_id,
            this._attributed_at
        from {{ this }} as this, watermarks
        where this.call_started_at >= watermarks.lookback_start

    ),

    changed_calls as (

        select call_attribution.call_id
        from call_attribution, watermarks
        where call_attribution.attributed_at > watermarks.attributed_at
        union
        select call_attribution.call_id
        from call_attribution
        cross join watermarks
        left join built_calls on call_attribution.call_id = built_calls.call_id
        where
            call_attribution.started_at >= watermarks.lookback_start
            and call_attribution.attributed_at is distinct from built_calls._attributed_at

    ),

    calls_in_scope as (

        {{ rows_by_key(ref('stg_attribution__call_attribution'), 'call_id',
            'select changed_calls.call_id from changed_calls', position='_source_row') }}

    ),

    touches_in_scope as (

        {{ rows_by_key(ref('stg_attribution__touches'), 'call_id',
            'select changed_calls.call_id from changed_calls', position='_source_row') }}

    ),

{% else %}
    calls_in_scope as (

        select * from call_attribution

    ),

    touches_in_scope as (

        select * from {{ ref('stg_attribution__touches') }}

    ),

{% endif %}

final as (

    select
        md5(concat_ws('|', touches.call_id, touches.model, touches.touch_index)) as touch_id,
        touches.call_id,
        touches.session_id,
        touches.model,
        touches.weight,
        touches.touch_index,
        touches.session_started_at,
        calls_in_scope.account_id,
        calls_in_scope.started_at as call_started_at,
        -- the touched session's, as attribution wrote them with the touch
        touches.channel,
        touches.source,
        touches.medium,
        touches.campaign,
        touches.keyword,
        calls_in_scope.attributed_at as _attributed_at
    from touches_in_scope as touches
    inner join calls_in_scope on touches.call_id = calls_in_scope.call_id

)

select * from final
-- rows in call start order, as in fct_calls: the daily run's lookback scan and the checkpoint
-- then touch only the newest row groups
order by call_started_at
