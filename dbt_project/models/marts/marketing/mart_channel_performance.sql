-- Calls, conversions and spend per local day, account, channel, source, medium and campaign.
-- Calls and spend are stacked (union) and then summed per grain, so a campaign with spend and
-- no calls and calls with no spend (organic, direct) both get rows. Currency is part of the
-- grain: spend in another currency than the account's gets its own rows, never summed in.
{%- set grain = [
    'date_local', 'account_id', 'channel', 'source', 'medium', 'campaign', 'currency'
] %}

with

calls as (

    select * from {{ ref('fct_calls') }}

),

ad_spend as (

    select * from {{ ref('int_ad_spend_by_campaign_day') }}

),

offline_spend as (

    select * from {{ ref('int_offline_spend_spread') }}

),

call_rows as (

    select
        {{ grain | join(',\n        ') }},
        {{ call_outcome_counts() }},
        cast(null as decimal(18, 6)) as spend
    from calls
    group by all

),

spend_rows as (

    select
        {{ grain | join(',\n        ') }},
        spend
    from ad_spend
    union all
    select
        {{ grain | join(',\n        ') }},
        spend
    from offline_spend

),

stacked as (

    select * from call_rows
    union all by name
    select * from spend_rows

),

summed as (

    select
        {{ grain | join(',\n        ') }},
        coalesce(sum(calls), 0) as calls,
        coalesce(sum(answered_calls), 0) as answered_calls,
        coalesce(sum(missed_calls), 0) as missed_calls,
        coalesce(sum(qualified_calls), 0) as qualified_calls,
        coalesce(sum(first_time_calls), 0) as first_time_calls,
        coalesce(sum(converted_calls), 0) as converted_calls,
        sum(conversion_value) as conversion_value,
        sum(spend) as spend
    from stacked
    group by all

),

final as (

    select
        {{ surrogate_key(grain) }} as channel_performance_id,
        {{ grain | join(',\n        ') }},
        calls,
        answered_calls,
        missed_calls,
        {{ performance_rates(['missed_call_rate']) }},
        qualified_calls,
        first_time_calls,
        {{ performance_rates(['first_time_share']) }},
        converted_calls,
        {{ performance_rates(['conversion_rate']) }},
        conversion_value,
        spend,
        {{ performance_rates([
            'cost_per_call', 'cost_per_qualified_call', 'cost_per_conversion', 'roas'
        ]) }}
    from summed

)

select * from final
