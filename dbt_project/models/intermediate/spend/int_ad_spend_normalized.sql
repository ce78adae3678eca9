-- Ad spend (latest restatement only: stg_raw__ad_spend_current) in currency units, with the
-- channel its platform buys: google_ads and microsoft_ads are Paid Search, meta_ads Paid Social.
-- The platform's date is the ad account's day, taken as the business's local day.
with

ad_spend as (

    select * from {{ ref('stg_raw__ad_spend_current') }}

),

normalized as (

    select
        account_id,
        platform,
        spend_date as date_local,
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
        currency,
        -- micros to units exactly (decimal, no float rounding)
        case
            when platform = 'meta_ads' then cast(spend as decimal(18, 6))
            else cast(cost_micros as decimal(24, 0)) * 0.000001
        end as spend,
        case
            when platform in ('google_ads', 'microsoft_ads') then 'Paid Search'
            when platform = 'meta_ads' then 'Paid Social'
        end as channel
    from ad_spend

),

final as (

    select
        account_id,
        platform,
        date_local,
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
        currency,
        channel,
        cast(spend as decimal(18, 6)) as spend
    from normalized

)

select * from final
