{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_recent_days('assigned_utc_day') }}",
        on_schema_change='fail'
    )
}}

-- depends_on: {{ ref('int_pool_levels_by_day') }}
-- depends_on: {{ ref('int_pool_sessions_by_day') }}

-- A fingerprint of each pool's number assignments per UTC day of assignment: what the pool
-- models were last built from. int_pool_rebuilt_days compares it with the assignments as they
-- are now to find the pool days a daily run must rebuild; this model runs after the pool
-- models (depends_on above), so a failed run leaves the old fingerprints and the next run
-- rebuilds the same days again. Incremental by day: the last incremental_lookback_days + 1
-- UTC days are recomputed (the window int_pool_rebuilt_days compares), older days are kept.
with

assignments as (

    select * from {{ ref('stg_attribution__number_assignments') }}

),

final as (

    select
        account_id,
        pool_id,
        {{ utc_day_number('assigned_at') }} as assigned_utc_day,
        {{ assignment_fingerprint() }}
    from assignments
    where
        pool_id is not null
        {% if is_incremental() %}
            and {{ utc_day_number('assigned_at') }}
            >= {{ first_rebuilt_day('assigned_utc_day', earliest='0') }}
        {% endif %}
    group by account_id, pool_id, assigned_utc_day

)

select * from final
