-- One row per search keyword (Google and Microsoft; Meta buys no keywords).
with

ad_spend as (

    select * from {{ ref('int_ad_spend_normalized') }}

),

final as (

    select
        md5(
            concat_ws('|', account_id, platform, campaign_id, ad_group_id, keyword_id)
        ) as keyword_key,
        md5(concat_ws('|', account_id, platform, campaign_id)) as campaign_key,
        account_id,
        platform,
        campaign_id,
        arg_max(campaign_name, date_local) as campaign_name,
        ad_group_id,
        arg_max(ad_group_name, date_local) as ad_group_name,
        keyword_id,
        arg_max(keyword_text, date_local) as keyword_text,
        arg_max(match_type, date_local) as match_type
    from ad_spend
    where keyword_id is not null
    group by account_id, platform, campaign_id, ad_group_id, keyword_id

)

select * from final
