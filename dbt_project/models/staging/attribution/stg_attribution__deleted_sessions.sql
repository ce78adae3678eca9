with

source as (

    select * from {{ source('attribution', 'deleted_sessions') }}

),

renamed as (

    select
        account_id,
        session_id,
        started_at,
        deleted_at

    from source

),

final as (

    select * from renamed

)

select * from final
