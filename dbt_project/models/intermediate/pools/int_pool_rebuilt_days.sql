{{ config(materialized='table') }}

{%- set built = built_relation('int_pool_assignment_days') %}

-- The pool days a daily run rebuilds: for each pool whose number assignments changed since the
-- pool models were last built (new sessions, sessions attribution recomputed after late
-- beacons), the first local day that can change (first_day); the pool models
-- (int_pool_levels_by_day, int_pool_sessions_by_day) rebuild that pool from first_day on and
-- keep its older days. A change is a UTC day of assignments whose fingerprint differs from the
-- one the last build recorded (int_pool_assignment_days, read here as it was before this run),
-- looked for in the last incremental_lookback_days + 1 UTC days. first_day is the local day of
-- the earliest changed assignment, or of the pool's last end of a hold before it when the pool
-- was idle since (that idle time becomes a segment). Without recorded fingerprints (first
-- build, full refresh) every pool is named from its first day.
with

assignments as (

    select * from {{ ref('stg_attribution__number_assignments') }}

),

accounts as (

    select * from {{ ref('stg_raw__accounts_current') }}

),

{% if built is not none %}
    compared_days as (

        select
            max(built.assigned_utc_day)
            - {{ var('incremental_lookback_days') }} as first_utc_day
        from {{ built }} as built

    ),

    current_days as (

        select
            assignments.account_id,
            assignments.pool_id,
            {{ utc_day_number('assignments.assigned_at') }} as assigned_utc_day,
            {{ assignment_fingerprint() }}
        from assignments, compared_days
        where
            assignments.pool_id is not null
            and (
                {{ utc_day_number('assignments.assigned_at') }} >= compared_days.first_utc_day
                or compared_days.first_utc_day is null
            )
        group by all

    ),

    built_days as (

        select built.*
        from {{ built }} as built, compared_days
        where built.assigned_utc_day >= compared_days.first_utc_day

    ),

    changed as (

        select
            coalesce(current_days.account_id, built_days.account_id) as account_id,
            coalesce(current_days.pool_id, built_days.pool_id) as pool_id,
            least(current_days.first_assigned_at, built_days.first_assigned_at)
                as first_assigned_at
        from current_days
        full outer join built_days
            on
                current_days.account_id = built_days.account_id
                and current_days.pool_id = built_days.pool_id
                and current_days.assigned_utc_day = built_days.assigned_utc_day
        where
            current_days.assignment_count is distinct from built_days.assignment_count
            or current_days.fingerprint_xor is distinct from built_days.fingerprint_xor
            or current_days.fingerprint_sum is distinct from built_days.fingerprint_sum
            or current_days.first_assigned_at is distinct from built_days.first_assigned_at

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

{% endif %}
changed_pools as (

    select
        account_id,
        pool_id,
        min(first_assigned_at) as first_changed_at
    from changed
    group by account_id, pool_id

),

previous_ends as (

    -- the pool's last sweep boundary as last built (the latest end of a hold)
    {% if built is not none %}
        select
            built.account_id,
            built.pool_id,
            max(built.last_held_until) as last_held_until
        from {{ built }} as built
        group by built.account_id, built.pool_id
    {% else %}
        select
            changed_pools.account_id,
            changed_pools.pool_id,
            cast(null as timestamptz) as last_held_until
        from changed_pools
    {% endif %}

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
