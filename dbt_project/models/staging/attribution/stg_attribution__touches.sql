with

source as (

    select * from {{ source('attribution', 'touches') }}

),

renamed as (

    select
        call_id,
        session_id,
        model,
        weight,
        touch_index,
        session_started_at,
        channel,
        source,
        medium,
        campaign,
        keyword

    from source

),

final as (

    select * from renamed

)

select * from final
