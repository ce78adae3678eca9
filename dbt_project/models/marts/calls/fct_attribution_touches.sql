{{
    config(
        materialized='incremental',
        unique_key='call_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

-- One row per call, attribution model and touched session, with its weight. Incremental by
-- call: every touch of a call that was (re)attributed since the last run or started within
-- incremental_lookback_days of the newest call is replaced together, so a call never keeps
-- touches of an older attribution.
with

touches as (

    select * from {{ ref('stg_attribution__touches') }}

),

call_attribution as (

    select * from {{ ref('stg_attribution__call_attribution') }}

),

sessions as (

    select * from {{ ref('stg_attribution__sessions') }}

),

calls_in_scope as (

    select * from call_attribution
    {% if is_incremental() %}
        where
            attributed_at
            > (select max(this._attributed_at) from {{ this }} as this)
            or started_at
            >= (
                select max(this.call_started_at) - to_days({{ var('incremental_lookback_days') }})
                from {{ this }} as this
            )
            or not exists (select 1 from {{ this }})
    {% endif %}

),

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
        sessions.channel,
        sessions.source,
        sessions.medium,
        sessions.campaign,
        sessions.keyword,
        calls_in_scope.attributed_at as _attributed_at
    from touches
    inner join calls_in_scope on touches.call_id = calls_in_scope.call_id
    left join sessions on touches.session_id = sessions.session_id

)

select * from final
