-- Ad spend rolled up to the channel mart's grain (day, account, channel, source, medium,
-- campaign, currency). Spend is matched to calls by campaign name: the platform's campaign_name
-- is what the ads put in utm_campaign, which attribution carries as the call's campaign. The
-- source and medium of a campaign's spend are the ones its sessions carry most often (so spend
-- and calls land on the same row); a campaign no session has seen falls back to the platform's
-- conventional utm values (google/cpc, bing/cpc, facebook/paid_social).
with

ad_spend as (

    select * from {{ ref('int_ad_spend_normalized') }}

),

sessions as (

    select * from {{ ref('stg_attribution__sessions') }}

),

campaign_traffic as (

    select
        account_id,
        channel,
        campaign,
        mode(source order by source) as source,
        mode(medium order by medium) as medium
    from sessions
    where campaign is not null
    group by account_id, channel, campaign

),

rolled_up as (

    select
        ad_spend.account_id,
        ad_spend.date_local,
        ad_spend.platform,
        ad_spend.channel,
        ad_spend.campaign_name as campaign,
        ad_spend.currency,
        sum(ad_spend.impressions) as impressions,
        sum(ad_spend.clicks) as clicks,
        sum(ad_spend.spend) as spend
    from ad_spend
    group by all

),

final as (

    select
        rolled_up.account_id,
        rolled_up.date_local,
        rolled_up.channel,
        coalesce(
            campaign_traffic.source,
            case rolled_up.platform
                when 'google_ads' then 'google'
                when 'microsoft_ads' then 'bing'
                when 'meta_ads' then 'facebook'
            end
        ) as source,
        coalesce(
            campaign_traffic.medium,
            case rolled_up.platform
                when 'meta_ads' then 'paid_social'
                else 'cpc'
            end
        ) as medium,
        rolled_up.campaign,
        rolled_up.currency,
        sum(rolled_up.impressions) as impressions,
        sum(rolled_up.clicks) as clicks,
        sum(rolled_up.spend) as spend
    from rolled_up
    left join campaign_traffic
        on
            rolled_up.account_id = campaign_traffic.account_id
            and rolled_up.channel = campaign_traffic.channel
            and rolled_up.campaign = campaign_traffic.campaign
    group by all

)

select * from final
