{{ config(materialized='table') }}

-- depends_on: {{ ref('int_pool_levels_by_day') }}
-- depends_on: {{ ref('int_pool_sessions_by_day') }}

-- What the pool models were last built from, for int_pool_rebuilt_days to find what changed
-- since: per pool, the latest end of a hold (the pool's last sweep boundary), and on every row
-- the newest computed_at of the number assignments and the newest deleted_at of the removed
-- sessions as this build saw them. This model runs after the pool models (depends_on above),
-- so a failed run leaves the marks of the last good build and the next run rebuilds the same
-- days again. (Nothing writes attribution during a dbt run: one process at a time writes the
-- warehouse.)
with

-- (not materialized: read twice, for one or two columns each time)
assignments as not materialized (

    select * from {{ ref('stg_attribution__number_assignments') }}

),

deleted_sessions as (

    select * from {{ ref('stg_attribution__deleted_sessions') }}

),

pools as (

    select
        account_id,
        pool_id,
        max(held_until) filter (where held_until > assigned_at) as last_held_until
    from assignments
    where pool_id is not null
    group by account_id, pool_id

),

watermarks as (

    select
        (select max(assignments.computed_at) from assignments) as assignments_computed_at,
        (select max(deleted_sessions.deleted_at) from deleted_sessions)
            as sessions_deleted_at

),

final as (

    select
        pools.account_id,
        pools.pool_id,
        pools.last_held_until,
        watermarks.assignments_computed_at,
        watermarks.sessions_deleted_at
    from pools
    cross join watermarks

)

select * from final
