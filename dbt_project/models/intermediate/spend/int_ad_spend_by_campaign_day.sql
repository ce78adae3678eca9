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

-- the most frequent source and medium of each campaign's sessions, a tie going to the first in
-- alphabetical order (what mode(source order by source) gives), from the sessions counted per
-- day (int_campaign_session_counts, incremental)
campaign_counts as (

    select
        account_id,
        channel,
        campaign,
        source,
        medium,
        sum(sessions) as sessions
    from {{ ref('int_campaign_session_counts') }}
    group by account_id, channel, campaign, source, medium

),

campaign_sources as (

    select
        account_id,
        channel,
        campaign,
        source
    from campaign_counts
    where source is not null
    group by account_id, channel, campaign, source
    qualify row_number() over (
        partition by account_id, channel, campaign order by sum(sessions) desc, source
    ) = 1

),

campaign_mediums as (

    select
        account_id,
        channel,
        campaign,
        medium
    from campaign_counts
    where medium is not null
    group by account_id, channel, campaign, medium
    qualify row_number() over (
        partition by account_id, channel, campaign order by sum(sessions) desc, medium
    ) = 1

),

campaign_traffic as (

    select
        campaigns.account_id,
        campaigns.channel,
        campaigns.campaign,
        campaign_sources.source,
        campaign_mediums.medium
    from (
        select distinct
            account_id,
            channel,
            campaign
        from campaign_counts
    ) as campaigns
    left join campaign_sources
        on
            campaigns.account_id = campaign_sources.account_id
            and campaigns.channel = campaign_sources.channel
            and campaigns.campaign = campaign_sources.campaign
    left join campaign_mediums
        on
            campaigns.account_id = campaign_mediums.account_id
            and campaigns.channel = campaign_mediums.channel
            and campaigns.campaign = campaign_mediums.campaign

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
