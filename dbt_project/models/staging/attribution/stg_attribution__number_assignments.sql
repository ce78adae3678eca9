with

source as (

    select * from {{ source('attribution', 'number_assignments') }}

),

renamed as (

    select
        account_id,
        session_id,
        tracking_number,
        pool_id,
        assigned_at,
        held_until,
        computed_at

    from source

),

final as (

    select * from renamed

)

select * from final
