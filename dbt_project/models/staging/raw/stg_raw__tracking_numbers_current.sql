with

source as (

    select * from {{ source('raw', 'tracking_numbers_current') }}

),

renamed as (

    select
        tracking_number,
        account_id,
        number_kind,
        pool_id,
        channel,
        source,
        medium,
        campaign,
        location_id,
        valid_from,
        valid_to

    from source

),

final as (

    select * from renamed

)

select * from final
