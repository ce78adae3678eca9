{{ config(materialized='table') }}

{%- set marks = built_relation('int_pool_build_marks') %}

-- depends_on: {{ ref('stg_attribution__deleted_sessions') }}

-- The pool days a daily run rebuilds: each pool with number assignments attribution wrote
-- since the pool models were last built (new sessions; a session attribution recomputes, after
-- a late beacon, has all its assignments written again), or of an account where attribution
-- removed a session since (its assignments are gone), with the first local day that can change
-- (first_day); the pool models (int_pool_levels_by_day, int_pool_sessions_by_day) rebuild that
-- pool from first_day on and keep its older days. "Since" is the watermarks of
-- int_pool_build_marks (computed_at of the assignments, deleted_at of the removed sessions), read
-- here as the last build left them; the assignments past it sit in the newest row groups, so
-- this reads a day's worth, however long ago the change. first_day is the local day of the
-- earliest such assignment (a removed session's start), or of the pool's last end of a hold
-- before it when the pool was idle since (that idle time becomes a segment). Without marks
-- (first build, full refresh) every pool is named from its first day.
with

assignments as (

    select * from {{ ref('stg_attribution__number_assignments') }}

),

accounts as (

    select * from {{ ref('stg_raw__accounts_current') }}

),

{% if marks is not none %}
    last_build as (

        -- -infinity when nothing was recorded (coalesced, not "or ... is null": a plain
        -- comparison lets DuckDB skip the row groups written before the watermark)
        select
            coalesce(
                max(marks.assignments_computed_at), cast('-infinity' as timestamptz)
            ) as assignments_computed_at,
            coalesce(
                max(marks.sessions_deleted_at), cast('-infinity' as timestamptz)
            ) as sessions_deleted_at
        from {{ marks }} as marks

    ),

    changed as (

        select
            assignments.account_id,
            assignments.pool_id,
            min(assignments.assigned_at) as first_assigned_at
        from assignments, last_build
        where
            assignments.pool_id is not null
            and assignments.computed_at > last_build.assignments_computed_at
        group by assignments.account_id, assignments.pool_id

        union all

        -- a removed session's pool is not recorded: every pool of its account, from its start
        -- (no later than any of its assignments)
        select
            marks.account_id,
            marks.pool_id,
            min(deleted.started_at) as first_assigned_at
        from {{ ref('stg_attribution__deleted_sessions') }} as deleted
        inner join {{ marks }} as marks on deleted.account_id = marks.account_id
        where
            deleted.deleted_at > (select last_build.sessions_deleted_at from last_build)
        group by marks.account_id, marks.pool_id

    ),

    previous_ends as (

        -- the pool's last sweep boundary as last built (the latest end of a hold)
        select
            marks.account_id,
            marks.pool_id,
            marks.last_held_until
        from {{ marks }} as marks

    ),

{% else %}
    changed as (

        select
            account_id,
            pool_id,
            min(assigned_at) as first_assigned_at
        from assignments
        where pool_id is not null
        group by account_id, pool_id

    ),

    previous_ends as (

        select
            account_id,
            pool_id,
            cast(null as timestamptz) as last_held_until
        from changed

    ),

{% endif %}
changed_pools as (

    select
        account_id,
        pool_id,
        min(first_assigned_at) as first_changed_at
    from changed
    group by account_id, pool_id

),

first_changes as (

    -- Days before the first changed assignment keep their levels: a new boundary only splits
    -- the segment it falls in, except the pool's open tail after its last hold, which the
    -- change closes (idle time at level 0 from that hold's end on, not a segment before).
    select
        changed_pools.account_id,
        changed_pools.pool_id,
        case
            when previous_ends.last_held_until < changed_pools.first_changed_at
                then previous_ends.last_held_until
            else changed_pools.first_changed_at
        end as first_at
    from changed_pools
    left join previous_ends
        on
            changed_pools.account_id = previous_ends.account_id
            and changed_pools.pool_id = previous_ends.pool_id

),

final as (

    select
        first_days.account_id,
        first_days.pool_id,
        first_days.first_day,
        -- the UTC instant of first_day's local midnight, for the pool models to read only the
        -- assignments from there on (a timestamp in a zone: one conversion per pool)
        timezone(first_days.timezone, cast(first_days.first_day as timestamp))
            as first_day_starts_at
    from (
        select
            first_changes.account_id,
            first_changes.pool_id,
            accounts.timezone,
            cast({{ to_local('first_changes.first_at', 'accounts.timezone') }} as date)
                as first_day
        from first_changes
        inner join accounts on first_changes.account_id = accounts.account_id
    ) as first_days

)

select * from final
