{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_rebuilt_pool_days() }}",
        on_schema_change='fail'
    )
}}

-- How long each DNI pool spent at each level of concurrently held numbers, per local day.
-- A sweep over assignment intervals [assigned_at, held_until): +1 when a session takes a number,
-- -1 when it lets it go; between two consecutive boundaries the level is constant. This is exact
-- (to the microsecond) and costs O(assignments log assignments), unlike a minute grid joined
-- to every assignment. A table (the pool-health mart reads it four times), incremental by
-- (account, pool, local day): a daily run rebuilds each pool int_pool_rebuilt_days names from
-- its first_day on, sweeping only the intervals that reach those days, cut at first_day's
-- midnight; that gives those days the same levels as a sweep over all history (the level at
-- an instant is the number of intervals covering it; a pool with kept days gets a boundary at
-- that midnight, so its idle time from there on counts at level 0 as in the full sweep).

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

        select
            account_id,
            pool_id,
            cast(first_day as timestamp) as day_start,
            first_day_starts_at
        from {{ ref('int_pool_rebuilt_days') }}

    ),

{% endif %}
recent_assignments as (

    select * from assignments
    {% if is_incremental() %}
        -- UTC prefilter a few hours before the earliest rebuilt midnight (more than any DST
        -- shift); exact in local time below
        where
            held_until > (
                select min(rebuilt.first_day_starts_at) - interval 3 hour
                from rebuilt
            )
    {% endif %}

),

local_intervals as (

    select
        recent_assignments.account_id,
        recent_assignments.pool_id,
        {{ to_local('recent_assignments.assigned_at', 'accounts.timezone') }} as start_local,
        {{ to_local('recent_assignments.held_until', 'accounts.timezone') }} as end_local
    from recent_assignments
    inner join accounts on recent_assignments.account_id = accounts.account_id
    where
        recent_assignments.pool_id is not null
        and recent_assignments.held_until > recent_assignments.assigned_at

),

intervals as (

    {% if is_incremental() %}
        select
            local_intervals.account_id,
            local_intervals.pool_id,
            greatest(local_intervals.start_local, rebuilt.day_start) as start_local,
            local_intervals.end_local
        from local_intervals
        inner join rebuilt
            on
                local_intervals.account_id = rebuilt.account_id
                and local_intervals.pool_id = rebuilt.pool_id
        where local_intervals.end_local > rebuilt.day_start
    {% else %}
        select * from local_intervals
    {% endif %}

),

boundaries as (

    select
        account_id,
        pool_id,
        start_local as at_local,
        1 as delta
    from intervals
    union all
    select
        account_id,
        pool_id,
        end_local as at_local,
        -1 as delta
    from intervals
    {% if is_incremental() %}
        union all
        -- rebuilt pools with kept days: level 0 from first_day's midnight until a session
        select distinct
            kept.account_id,
            kept.pool_id,
            rebuilt.day_start as at_local,
            0 as delta
        from {{ this }} as kept
        inner join rebuilt
            on kept.account_id = rebuilt.account_id and kept.pool_id = rebuilt.pool_id
    {% endif %}

),

net_boundaries as (

    select
        account_id,
        pool_id,
        at_local,
        sum(delta) as delta
    from boundaries
    group by account_id, pool_id, at_local

),

segments as (

    select
        account_id,
        pool_id,
        at_local as segment_start,
        lead(at_local) over by_time as segment_end,
        sum(delta) over (by_time rows between unbounded preceding and current row) as level
    from net_boundaries
    window by_time as (partition by account_id, pool_id order by at_local)

),

segment_day_starts as (

    -- a segment that crosses local midnight counts on each day it covers
    select
        account_id,
        pool_id,
        level,
        segment_start,
        segment_end,
        unnest(
            range(
                cast(cast(segment_start as date) as timestamp), segment_end, interval 1 day
            )
        ) as day_start
    from segments
    where segment_end is not null

),

segment_days as (

    select
        account_id,
        pool_id,
        level,
        cast(day_start as date) as date_local,
        greatest(segment_start, day_start) as part_start,
        least(segment_end, day_start + interval 1 day) as part_end
    from segment_day_starts

),

final as (

    select
        account_id,
        pool_id,
        date_local,
        level,
        sum(epoch(part_end - part_start)) as seconds_at_level
    from segment_days
    where part_end > part_start
    group by account_id, pool_id, date_local, level

)

select * from final
