-- Ad spend in the marts equals raw ad spend with each key's latest arrival only (restatements
-- counted once), per account, day, platform and currency. Recomputed here from the append-only
-- raw table on its own, not from raw.ad_spend_current, so a wrong view would show up too.
-- Keyword mart: Google/Microsoft keyword rows; channel mart: all platforms (offline excluded).
-- raw.ad_spend is named directly: it is not a dbt source, because its Dagster asset key
-- (raw/ad_spend) is already the one of source raw.ad_spend_current.
with

raw_spend as (

    select * from raw.ad_spend

),

latest as (

    select
        account_id,
        platform,
        date as date_local,
        keyword_id,
        currency,
        case
            when platform = 'meta_ads' then cast(spend as decimal(18, 6))
            else cast(cost_micros as decimal(24, 0)) * 0.000001
        end as spend
    from raw_spend
    qualify
        row_number()
            over (
                partition by platform, date, ad_account_id, campaign_id, ad_group_id, keyword_id
                order by _arrival_date desc, _file_key desc, _row_number desc
            )
        = 1

),

expected_channel as (

    select
        account_id,
        date_local,
        currency,
        sum(spend) as spend
    from latest
    group by all

),

channel_mart as (

    select
        account_id,
        date_local,
        currency,
        sum(spend) as spend
    from {{ ref('mart_channel_performance') }}
    where channel in ('Paid Search', 'Paid Social')
    group by all

),

expected_keyword as (

    select
        account_id,
        date_local,
        currency,
        sum(spend) as spend
    from latest
    where keyword_id is not null and platform in ('google_ads', 'microsoft_ads')
    group by all

),

keyword_mart as (

    select
        account_id,
        date_local,
        currency,
        sum(spend) as spend
    from {{ ref('mart_keyword_performance') }}
    where spend is not null
    group by all

),

channel_differences as (

    select
        'mart_channel_performance' as mart,
        coalesce(expected_channel.account_id, channel_mart.account_id) as account_id,
        coalesce(expected_channel.date_local, channel_mart.date_local) as date_local,
        expected_channel.spend as expected_spend,
        channel_mart.spend as mart_spend
    from expected_channel
    full outer join channel_mart
        on
            expected_channel.account_id = channel_mart.account_id
            and expected_channel.date_local = channel_mart.date_local
            and expected_channel.currency = channel_mart.currency
    where expected_channel.spend is distinct from channel_mart.spend

),

keyword_differences as (

    select
        'mart_keyword_performance' as mart,
        coalesce(expected_keyword.account_id, keyword_mart.account_id) as account_id,
        coalesce(expected_keyword.date_local, keyword_mart.date_local) as date_local,
        expected_keyword.spend as expected_spend,
        keyword_mart.spend as mart_spend
    from expected_keyword
    full outer join keyword_mart
        on
            expected_keyword.account_id = keyword_mart.account_id
            and expected_keyword.date_local = keyword_mart.date_local
            and expected_keyword.currency = keyword_mart.currency
    where expected_keyword.spend is distinct from keyword_mart.spend

),

final as (

    select * from channel_differences
    union all
    select * from keyword_differences

)

select * from final
