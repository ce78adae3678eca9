{{ config(materialized='table') }}

{%- set marks = built_relation('int_pool_build_marks') %}
{%- set rescan = marks is none or sessions_removed_since(marks) %}

-- depends_on: {{ ref('int_pool_levels_by_day') }}
-- depends_on: {{ ref('int_pool_sessions_by_day') }}

-- What the pool models were last built from, for int_pool_rebuilt_days to find what changed
-- since: per pool, the latest end of a hold (the pool's last sweep boundary), and on every row
-- the newest computed_at of the number assignments and the newest deleted_at of the removed
-- sessions as this build saw them. This model runs after the pool models (depends_on above),
-- so a failed run leaves the marks of the last good build and the next run rebuilds the same
-- days again. (Nothing writes attribution during a dbt run: one process at a time writes the
-- warehouse.) A daily run updates the last marks with the assignments written since them
-- (the newest row groups) instead of reading every assignment: a later hold can only extend a
-- pool's last end (a session's hold ends a timeout after its last beacon, and beacons only
-- accumulate), and a hold goes away only with its session, which attribution records as
-- removed; after a removal (or without marks: first build, full refresh) every assignment is
-- read again.
with

-- (not materialized: read twice, for one or two columns each time)
assignments as not materialized (

    select * from {{ ref('stg_attribution__number_assignments') }}

),

deleted_sessions as (

    select * from {{ ref('stg_attribution__deleted_sessions') }}

),

{% if rescan %}
    assignments_read as not materialized (

        select * from assignments

    ),

{% else %}
    last_marks as (

        select max(marks.assignments_computed_at) as assignments_computed_at
        from {{ marks }} as marks

    ),

    -- the assignments written since the last marks (a plain comparison: DuckDB skips the
    -- older row groups)
    assignments_read as not materialized (

        select assignments.*
        from assignments, last_marks
        where assignments.computed_at > last_marks.assignments_computed_at

    ),

{% endif %}
pools_read as (

    select
        account_id,
        pool_id,
        max(held_until) filter (where held_until > assigned_at) as last_held_until
    from assignments_read
    where pool_id is not null
    group by account_id, pool_id

),

pools as (

    {% if rescan %}
        select * from pools_read
    {% else %}
        -- greatest() skips a null: a pool without new holds keeps its end, a new pool has one
        select
            coalesce(marks.account_id, pools_read.account_id) as account_id,
            coalesce(marks.pool_id, pools_read.pool_id) as pool_id,
            greatest(marks.last_held_until, pools_read.last_held_until) as last_held_until
        from {{ marks }} as marks
        full outer join pools_read
            on marks.account_id = pools_read.account_id and marks.pool_id = pools_read.pool_id
    {% endif %}

),

watermarks as (

    select
        {% if rescan %}
            (select max(assignments_read.computed_at) from assignments_read)
        {% else %}
            greatest(
                (select last_marks.assignments_computed_at from last_marks),
                (select max(assignments_read.computed_at) from assignments_read)
            )
        {% endif %} as assignments_computed_at,
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
