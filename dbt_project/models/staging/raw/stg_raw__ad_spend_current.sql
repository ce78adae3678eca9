with

source as (

    select * from {{ source('raw', 'ad_spend_current') }}

),

renamed as (

    select
        account_id,
        platform,
        date as spend_date,
        ad_account_id,
        campaign_id,
        campaign_name,
        ad_group_id,
        ad_group_name,
        keyword_id,
        keyword_text,
        match_type,
        impressions,
        clicks,
        cost_micros,
        spend,
        currency

    from source

),

final as (

    select * from renamed

)

select * from final
