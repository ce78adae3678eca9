with

source as (

    select * from {{ source('raw', 'offline_spend_current') }}

),

renamed as (

    select
        account_id,
        month as spend_month,
        channel,
        source,
        campaign,
        cost

    from source

),

final as (

    select * from renamed

)

select * from final
