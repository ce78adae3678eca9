-- A table, not a view: the pool-health mart reads it four times, and its timezone
-- conversions (two per assignment) are the expensive part.
{{ config(materialized='table') }}

-- How long each DNI pool spent at each level of concurrently held numbers, per local day.
-- A sweep over assignment intervals [assigned_at, held_until): +1 when a session takes a number,
-- -1 when it lets it go; between two consecutive boundaries the level is constant. This is exact
-- (to the microsecond) and costs O(assignments log assignments), unlike a minute grid joined
-- to every assignment.
with

assignments as (

    select * from {{ ref('stg_attribution__number_assignments') }}

),

accounts as (

    select * from {{ ref('stg_raw__accounts_current') }}

),

intervals as (

    select
        assignments.account_id,
        assignments.pool_id,
        {{ to_local('assignments.assigned_at', 'accounts.timezone') }} as start_local,
        {{ to_local('assignments.held_until', 'accounts.timezone') }} as end_local
    from assignments
    inner join accounts on assignments.account_id = accounts.account_id
    where
        assignments.pool_id is not null
        and assignments.held_until > assignments.assigned_at

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
