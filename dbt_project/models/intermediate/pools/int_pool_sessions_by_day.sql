{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_rebuilt_pool_days() }}",
        on_schema_change='fail'
    )
}}

-- Sessions handed a number of each pool, per local day of the assignment. Incremental by
-- (account, pool, local day): a daily run rebuilds each pool int_pool_rebuilt_days names from
-- its first_day on, so the per-assignment timezone conversion runs on those days only.

-- depends_on: {{ ref('int_pool_rebuilt_days') }}
with

assignments as (

    select * from {{ ref('stg_attribution__number_assignments') }}

),

accounts as (

    select * from {{ ref('stg_raw__accounts_current') }}

),

{% if is_incremental() %}
    rebuilt as (

        select * from {{ ref('int_pool_rebuilt_days') }}

    ),

{% endif %}
local_assignments as (

    select
        assignments.account_id,
        assignments.pool_id,
        assignments.session_id,
        cast({{ to_local('assignments.assigned_at', 'accounts.timezone') }} as date)
            as date_local,
        {% if is_incremental() -%}
            rebuilt.first_day
        {%- else -%}
            cast(null as date) as first_day
        {%- endif %}
    from assignments
    inner join accounts on assignments.account_id = accounts.account_id
    {% if is_incremental() %}
        inner join rebuilt
            on
                assignments.account_id = rebuilt.account_id
                and assignments.pool_id = rebuilt.pool_id
                -- UTC prefilter a few hours before first_day's midnight (more than any DST
                -- shift); exact on the local day below
                and assignments.assigned_at >= rebuilt.first_day_starts_at - interval 3 hour
    {% endif %}
    where assignments.pool_id is not null

),

final as (

    select
        account_id,
        pool_id,
        date_local,
        count(distinct session_id) as sessions,
        count(*) as assignments
    from local_assignments
    where date_local >= first_day or first_day is null
    group by account_id, pool_id, date_local

)

select * from final
