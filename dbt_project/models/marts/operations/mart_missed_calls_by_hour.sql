-- Calls and missed calls per account, local day of week and local hour, over all history:
-- when does the phone ring unanswered? Every account has all 7 x 24 cells, so a heatmap has
-- no holes; a cell with no calls has a null rate.
with

calls as (

    select * from {{ ref('fct_calls') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

days_of_week as (

    select unnest(range(7)) as day_of_week_local

),

hours_of_day as (

    select unnest(range(24)) as hour_local

),

grid as (

    select
        accounts.account_id,
        days_of_week.day_of_week_local,
        hours_of_day.hour_local
    from accounts
    cross join days_of_week
    cross join hours_of_day

),

counted as (

    select
        account_id,
        day_of_week_local,
        hour_local,
        count(*) as calls,
        count(*) filter (where is_missed) as missed_calls
    from calls
    group by account_id, day_of_week_local, hour_local

),

final as (

    select
        grid.account_id,
        grid.day_of_week_local,
        grid.hour_local,
        ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'][
            grid.day_of_week_local + 1
        ] as day_name,
        coalesce(counted.calls, 0) as calls,
        coalesce(counted.missed_calls, 0) as missed_calls,
        {{ safe_divide('counted.missed_calls', 'counted.calls') }} as missed_call_rate
    from grid
    left join counted
        on
            grid.account_id = counted.account_id
            and grid.day_of_week_local = counted.day_of_week_local
            and grid.hour_local = counted.hour_local

)

select * from final
