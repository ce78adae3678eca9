-- One row per ad platform campaign that has spend, with the channel its platform buys.
with

ad_spend as (

    select * from {{ ref('int_ad_spend_normalized') }}

),

final as (

    select
        md5(concat_ws('|', account_id, platform, campaign_id)) as campaign_key,
        account_id,
        platform,
        channel,
        campaign_id,
        -- campaigns get renamed: the name of the latest day wins
        arg_max(campaign_name, date_local) as campaign_name,
        min(date_local) as first_spend_date,
        max(date_local) as last_spend_date
    from ad_spend
    group by account_id, platform, channel, campaign_id

)

select * from final
