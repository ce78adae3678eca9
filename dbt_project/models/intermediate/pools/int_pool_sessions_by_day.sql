-- Sessions handed a number of each pool, per local day of the assignment.
with

assignments as (

    select * from {{ ref('stg_attribution__number_assignments') }}

),

accounts as (

    select * from {{ ref('stg_raw__accounts_current') }}

),

final as (

    select
        assignments.account_id,
        assignments.pool_id,
        cast({{ to_local('assignments.assigned_at', 'accounts.timezone') }} as date)
            as date_local,
        count(distinct assignments.session_id) as sessions,
        count(*) as assignments
    from assignments
    inner join accounts on assignments.account_id = accounts.account_id
    where assignments.pool_id is not null
    group by all

)

select * from final
