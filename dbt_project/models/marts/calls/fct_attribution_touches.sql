{{
    config(
        materialized='incremental',
        unique_key='call_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        pre_hook="""
            {% if is_incremental() %}
                -- the watermark as it was before this run (the post-hook needs it)
                set variable fct_attribution_touches_attributed_at = (
                    select coalesce(max(this._attributed_at), cast('-infinity' as timestamptz))
                    from {{ this }} as this
                );
            {% endif %}
        """,
        post_hook="""
            {% if is_incremental() %}
                -- a call this run rebuilt has its current attributed_at: a built call of the
                -- run's scope with another one lost all its touches (re-attributed as
                -- ambiguous or unattributed, so no row of it was inserted)
                delete from {{ this }} as built
                using {{ ref('stg_attribution__call_attribution') }} as call_attribution
                where
                    call_attribution.attributed_at
                    > getvariable('fct_attribution_touches_attributed_at')
                    and call_attribution.call_id = built.call_id
                    and built._attributed_at is distinct from call_attribution.attributed_at
            {% endif %}
        """
    )
}}

-- One row per call, attribution model and touched session, with its weight. Incremental by
-- call on attribution's attributed_at, as fct_calls: every touch of a call (re)attributed since
-- the newest attribution built is replaced together, so a call never keeps touches of an older
-- attribution. (Attribution writes a call's attribution and touches in one transaction, with
-- the run's instant, so a call attributed before the watermark was built with its touches.)
-- delete+insert deletes only the calls that still have touches; the post-hook removes the
-- calls of the same scope that lost all of theirs (re-attributed as ambiguous or
-- unattributed), looking up only that scope's calls (an anti join of every built touch against
-- every touch took 1.4 s of a daily run at 1.6M calls). The engine never drops a call from
-- call_attribution (it re-inserts every call it recomputes), so a call without a row there is
-- not looked for.
with

call_attribution as (

    select * from {{ ref('stg_attribution__call_attribution') }}

),

{% if is_incremental() %}
    calls_in_scope as (

        select * from call_attribution
        where attributed_at > getvariable('fct_attribution_touches_attributed_at')

    ),

    touches_in_scope as (

        {{ rows_by_key(ref('stg_attribution__touches'), 'call_id',
            'select calls_in_scope.call_id from calls_in_scope', position='_source_row') }}

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
-- a full build writes the rows in call start order (full_build_order), as fct_calls: the daily
-- run's scans and the checkpoint then touch only the newest row groups
{{ full_build_order('call_started_at') }}
