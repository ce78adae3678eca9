{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_recent_days() }}",
        on_schema_change='fail'
    )
}}

-- Sessions handed a number of each pool, per local day of the assignment. Incremental by local
-- day (macros/incremental_days.sql): a daily run rebuilds the last incremental_lookback_days
-- and the new days, so the per-assignment timezone conversion runs on those days only.
with

assignments as (

    select * from {{ ref('stg_attribution__number_assignments') }}

),

accounts as (

    select * from {{ ref('stg_raw__accounts_current') }}

),

local_assignments as (

    select
        assignments.account_id,
        assignments.pool_id,
        assignments.session_id,
        cast({{ to_local('assignments.assigned_at', 'accounts.timezone') }} as date)
            as date_local
    from assignments
    inner join accounts on assignments.account_id = accounts.account_id
    where
        assignments.pool_id is not null
        {% if is_incremental() %}
            -- UTC prefilter with a day of margin for any offset; exact on the local day below
            and assignments.assigned_at
            >= cast({{ first_rebuilt_day() }} as timestamp) - interval 1 day
        {% endif %}

),

final as (

    select
        account_id,
        pool_id,
        date_local,
        count(distinct session_id) as sessions,
        count(*) as assignments
    from local_assignments
    {% if is_incremental() %}
        where date_local >= {{ first_rebuilt_day() }}
    {% endif %}
    group by all

)

select * from final
