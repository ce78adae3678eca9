with

source as (

    select * from {{ source('attribution', 'conversion_caller_keys') }}

),

renamed as (

    select
        event_id as conversion_id,
        caller_key

    from source

),

final as (

    select * from renamed

)

select * from final
