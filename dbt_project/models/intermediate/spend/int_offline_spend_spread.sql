-- Monthly offline spend spread evenly over the days of its month, exactly: in whole cents,
-- the first (cents mod days) days carry one cent more, so the days add up to the month's cost.
-- The medium comes from the static tracking numbers of the same channel/source/campaign (the
-- placement's number), so offline spend lands on the same channel-mart rows as its calls.
with

offline_spend as (

    select * from {{ ref('stg_raw__offline_spend_current') }}

),

tracking_numbers as (

    select * from {{ ref('stg_raw__tracking_numbers_current') }}

),

accounts as (

    select * from {{ ref('stg_raw__accounts_current') }}

),

static_media as (

    select
        account_id,
        channel,
        source,
        campaign,
        min(medium) as medium
    from tracking_numbers
    where number_kind = 'static'
    group by account_id, channel, source, campaign

),

months as (

    select
        offline_spend.*,
        cast(round(offline_spend.cost * 100) as bigint) as cost_cents,
        datediff(
            'day', offline_spend.spend_month, offline_spend.spend_month + interval 1 month
        ) as days_in_month
    from offline_spend

),

month_days as (

    select
        *,
        unnest(range(days_in_month)) as day_index
    from months

),

days as (

    select
        account_id,
        channel,
        source,
        campaign,
        spend_month,
        cast(spend_month + to_days(cast(day_index as integer)) as date) as date_local,
        -- whole cents per day; the first (cents mod days) days carry the leftover cents
        cost_cents // days_in_month
        + case when day_index < cost_cents % days_in_month then 1 else 0 end as spend_cents
    from month_days

),

final as (

    select
        days.account_id,
        days.date_local,
        days.spend_month,
        days.channel,
        days.source,
        static_media.medium,
        days.campaign,
        accounts.currency,
        cast(days.spend_cents * 0.01 as decimal(18, 6)) as spend
    from days
    left join static_media
        on
            days.account_id = static_media.account_id
            and days.channel = static_media.channel
            and days.source is not distinct from static_media.source
            and days.campaign is not distinct from static_media.campaign
    left join accounts on days.account_id = accounts.account_id

)

select * from final
