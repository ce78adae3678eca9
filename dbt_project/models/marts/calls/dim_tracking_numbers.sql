with

tracking_numbers as (

    select * from {{ ref('stg_raw__tracking_numbers_current') }}

),

final as (

    select
        md5(concat_ws('|', tracking_number, cast(valid_from as varchar))) as tracking_number_key,
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
        valid_to,
        valid_to is null as is_current
    from tracking_numbers

)

select * from final
