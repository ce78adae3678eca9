-- Health of each DNI number pool per local day: is it big enough for the traffic?
-- recommended_pool_size: the smallest number of numbers that covers the pool's concurrent
-- sessions for pool_size_quantile (0.99) of the day's time, time-weighted (see the YAML).
with

levels as (

    select * from {{ ref('int_pool_levels_by_day') }}

),

pool_sessions as (

    select * from {{ ref('int_pool_sessions_by_day') }}

),

tracking_numbers as (

    select * from {{ ref('dim_tracking_numbers') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

pool_numbers as (

    -- validity in local time, once per number (not once per pool-day and number)
    select
        tracking_numbers.account_id,
        tracking_numbers.pool_id,
        tracking_numbers.tracking_number,
        {{ to_local('tracking_numbers.valid_from', 'accounts.timezone') }} as valid_from_local,
        {{ to_local('tracking_numbers.valid_to', 'accounts.timezone') }} as valid_to_local
    from tracking_numbers
    inner join accounts on tracking_numbers.account_id = accounts.account_id
    where tracking_numbers.number_kind = 'pool'

),

calls as (

    select * from {{ ref('fct_calls') }}

),

pool_calls as (

    select
        account_id,
        pool_id,
        date_local,
        count(*) as calls,
        count(*) filter (where attribution_status = 'ambiguous') as ambiguous_calls,
        count(*) filter (where attribution_status = 'unattributed') as unattributed_calls
    from calls
    where pool_id is not null
    group by all

),

pool_days as (

    select
        account_id,
        pool_id,
        date_local
    from levels
    union
    select
        account_id,
        pool_id,
        date_local
    from pool_calls
    union
    select
        account_id,
        pool_id,
        date_local
    from pool_sessions

),

pool_sizes as (

    -- numbers of the pool valid at any moment of the local day
    select
        pool_days.account_id,
        pool_days.pool_id,
        pool_days.date_local,
        count(distinct pool_numbers.tracking_number) as pool_size
    from pool_days
    inner join pool_numbers
        on
            pool_days.account_id = pool_numbers.account_id
            and pool_days.pool_id = pool_numbers.pool_id
            and pool_numbers.valid_from_local < pool_days.date_local + interval 1 day
            and (
                pool_numbers.valid_to_local is null
                or pool_days.date_local < pool_numbers.valid_to_local
            )
    group by all

),

day_levels as (

    -- the levels of the day plus the time at level 0 (no session holding a number)
    select
        account_id,
        pool_id,
        date_local,
        level,
        seconds_at_level
    from levels
    union all
    select
        account_id,
        pool_id,
        date_local,
        0 as level,
        86400 - sum(seconds_at_level) as seconds_at_level
    from levels
    group by all

),

cumulative as (

    select
        *,
        sum(seconds_at_level) over (
            partition by account_id, pool_id, date_local
            order by level
            rows between unbounded preceding and current row
        ) as seconds_at_or_below
    from day_levels

),

level_stats as (

    select
        cumulative.account_id,
        cumulative.pool_id,
        cumulative.date_local,
        max(cumulative.level) filter (where cumulative.seconds_at_level > 0)
            as peak_concurrent_sessions,
        min(cumulative.level) filter (
            where cumulative.seconds_at_or_below >= {{ var('pool_size_quantile') }} * 86400
        ) as quantile_concurrent_sessions
    from cumulative
    group by all

),

exhausted as (

    select
        levels.account_id,
        levels.pool_id,
        levels.date_local,
        sum(levels.seconds_at_level) / 60.0 as minutes_exhausted
    from levels
    inner join pool_sizes
        on
            levels.account_id = pool_sizes.account_id
            and levels.pool_id = pool_sizes.pool_id
            and levels.date_local = pool_sizes.date_local
    where levels.level >= pool_sizes.pool_size
    group by all

),

final as (

    select
        {{ surrogate_key(['pool_days.date_local', 'pool_days.account_id', 'pool_days.pool_id']) }}
            as pool_health_id,
        pool_days.date_local,
        pool_days.account_id,
        pool_days.pool_id,
        coalesce(pool_sizes.pool_size, 0) as pool_size,
        coalesce(pool_sessions.sessions, 0) as sessions,
        coalesce(level_stats.peak_concurrent_sessions, 0) as peak_concurrent_sessions,
        coalesce(exhausted.minutes_exhausted, 0) as minutes_exhausted,
        coalesce(pool_calls.calls, 0) as calls,
        coalesce(pool_calls.ambiguous_calls, 0) as ambiguous_calls,
        coalesce(pool_calls.unattributed_calls, 0) as unattributed_calls,
        greatest(coalesce(level_stats.quantile_concurrent_sessions, 0), 1)
            as recommended_pool_size
    from pool_days
    left join pool_sizes
        on
            pool_days.account_id = pool_sizes.account_id
            and pool_days.pool_id = pool_sizes.pool_id
            and pool_days.date_local = pool_sizes.date_local
    left join pool_sessions
        on
            pool_days.account_id = pool_sessions.account_id
            and pool_days.pool_id = pool_sessions.pool_id
            and pool_days.date_local = pool_sessions.date_local
    left join level_stats
        on
            pool_days.account_id = level_stats.account_id
            and pool_days.pool_id = level_stats.pool_id
            and pool_days.date_local = level_stats.date_local
    left join exhausted
        on
            pool_days.account_id = exhausted.account_id
            and pool_days.pool_id = exhausted.pool_id
            and pool_days.date_local = exhausted.date_local
    left join pool_calls
        on
            pool_days.account_id = pool_calls.account_id
            and pool_days.pool_id = pool_calls.pool_id
            and pool_days.date_local = pool_calls.date_local

)

select * from final
