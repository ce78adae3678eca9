-- Search keywords per local day: the platform's impressions, clicks and spend next to the calls
-- the keyword brought. A call resolves to its keyword row by keyword_id when attribution knows
-- it (gclid resolved through ad_clicks), else by campaign name and keyword text (utm_term),
-- case-insensitively; when that text matches several ad groups, the call goes to one of them
-- (the smallest keyword_key) so it is counted once. Calls whose keyword matches no bought
-- keyword keep rows of their own with a null platform and keyword_id.
{%- set grain = [
    'date_local', 'account_id', 'platform', 'campaign_id', 'campaign', 'ad_group_id',
    'ad_group', 'keyword_id', 'keyword', 'match_type', 'currency'
] %}

with

calls as (

    select * from {{ ref('fct_calls') }}

),

keywords as (

    select * from {{ ref('dim_keywords') }}

),

ad_spend as (

    select * from {{ ref('int_ad_spend_normalized') }}

),

keyword_calls as (

    select * from calls
    where keyword is not null or keyword_id is not null

),

-- A call's keyword row depends only on its account, ids, campaign and keyword text, so each
-- distinct combination is resolved once (a few hundred), not each call (0.4M at 1.6M calls).
id_combinations as (

    select distinct
        keyword_calls.account_id,
        keyword_calls.keyword_id,
        keyword_calls.campaign_id,
        keyword_calls.ad_group_id
    from keyword_calls
    where keyword_calls.keyword_id is not null

),

by_id as (

    select
        id_combinations.account_id,
        id_combinations.keyword_id,
        id_combinations.campaign_id,
        id_combinations.ad_group_id,
        min(keywords.keyword_key) as keyword_key
    from id_combinations
    inner join keywords
        on
            id_combinations.account_id = keywords.account_id
            and id_combinations.keyword_id = keywords.keyword_id
            and (
                id_combinations.campaign_id is null
                or id_combinations.campaign_id = keywords.campaign_id
            )
            and (
                id_combinations.ad_group_id is null
                or id_combinations.ad_group_id = keywords.ad_group_id
            )
    group by
        id_combinations.account_id,
        id_combinations.keyword_id,
        id_combinations.campaign_id,
        id_combinations.ad_group_id

),

text_combinations as (

    select distinct
        keyword_calls.account_id,
        keyword_calls.campaign,
        keyword_calls.keyword
    from keyword_calls
    where keyword_calls.campaign is not null and keyword_calls.keyword is not null

),

by_text as (

    select
        text_combinations.account_id,
        text_combinations.campaign,
        text_combinations.keyword,
        min(keywords.keyword_key) as keyword_key
    from text_combinations
    inner join keywords
        on
            text_combinations.account_id = keywords.account_id
            and lower(text_combinations.campaign) = lower(keywords.campaign_name)
            and lower(text_combinations.keyword) = lower(keywords.keyword_text)
    group by text_combinations.account_id, text_combinations.campaign, text_combinations.keyword

),

resolved_calls as (

    -- by id when the id resolves, else by text
    select
        keyword_calls.*,
        coalesce(by_id.keyword_key, by_text.keyword_key) as keyword_key
    from keyword_calls
    left join by_id
        on
            keyword_calls.account_id = by_id.account_id
            and keyword_calls.keyword_id = by_id.keyword_id
            and keyword_calls.campaign_id is not distinct from by_id.campaign_id
            and keyword_calls.ad_group_id is not distinct from by_id.ad_group_id
    left join by_text
        on
            keyword_calls.account_id = by_text.account_id
            and keyword_calls.campaign = by_text.campaign
            and keyword_calls.keyword = by_text.keyword

),

call_rows as (

    select
        resolved_calls.date_local,
        resolved_calls.account_id,
        keywords.platform,
        coalesce(keywords.campaign_id, resolved_calls.campaign_id) as campaign_id,
        coalesce(keywords.campaign_name, resolved_calls.campaign) as campaign,
        coalesce(keywords.ad_group_id, resolved_calls.ad_group_id) as ad_group_id,
        coalesce(keywords.ad_group_name, resolved_calls.ad_group) as ad_group,
        coalesce(keywords.keyword_id, resolved_calls.keyword_id) as keyword_id,
        coalesce(keywords.keyword_text, resolved_calls.keyword) as keyword,
        coalesce(keywords.match_type, resolved_calls.match_type) as match_type,
        resolved_calls.currency,
        count(*) as calls,
        count(*) filter (where resolved_calls.is_qualified) as qualified_calls,
        count(*) filter (where resolved_calls.is_converted) as converted_calls,
        sum(resolved_calls.conversion_value) as conversion_value
    from resolved_calls
    left join keywords on resolved_calls.keyword_key = keywords.keyword_key
    group by all

),

spend_rows as (

    select
        ad_spend.date_local,
        ad_spend.account_id,
        ad_spend.platform,
        ad_spend.campaign_id,
        keywords.campaign_name as campaign,
        ad_spend.ad_group_id,
        keywords.ad_group_name as ad_group,
        ad_spend.keyword_id,
        keywords.keyword_text as keyword,
        keywords.match_type,
        ad_spend.currency,
        sum(ad_spend.impressions) as impressions,
        sum(ad_spend.clicks) as clicks,
        sum(ad_spend.spend) as spend
    from ad_spend
    inner join keywords
        on
            ad_spend.account_id = keywords.account_id
            and ad_spend.platform = keywords.platform
            and ad_spend.campaign_id = keywords.campaign_id
            and ad_spend.ad_group_id = keywords.ad_group_id
            and ad_spend.keyword_id = keywords.keyword_id
    group by all

),

stacked as (

    select * from call_rows
    union all by name
    select * from spend_rows

),

summed as (

    select
        {{ grain | join(',\n        ') }},
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        coalesce(sum(calls), 0) as calls,
        coalesce(sum(qualified_calls), 0) as qualified_calls,
        coalesce(sum(converted_calls), 0) as converted_calls,
        sum(conversion_value) as conversion_value,
        sum(spend) as spend
    from stacked
    group by all

),

final as (

    select
        {{ surrogate_key(grain) }} as keyword_performance_id,
        {{ grain | join(',\n        ') }},
        impressions,
        clicks,
        calls,
        qualified_calls,
        converted_calls,
        conversion_value,
        spend,
        {{ performance_rates([
            'cost_per_call', 'cost_per_qualified_call', 'cost_per_conversion',
            'click_to_call_rate', 'roas'
        ]) }}
    from summed

)

select * from final
