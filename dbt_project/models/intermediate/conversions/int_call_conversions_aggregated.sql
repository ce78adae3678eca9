-- Conversions per call. Value is summed only in the account's currency (money is never summed
-- across currencies); a conversion in another currency still counts as a conversion.
with

conversions as (

    select * from {{ ref('int_conversions_linked') }}

),

accounts as (

    select * from {{ ref('stg_raw__accounts_current') }}

),

aggregated as (

    select
        conversions.call_id,
        count(*) as conversion_count,
        sum(conversions.conversion_value) filter (
            where conversions.currency = accounts.currency
        ) as conversion_value,
        min(conversions.converted_at) as first_converted_at,
        max(conversions.load_id) as max_load_id,
        max(conversions._run_linked_at) as max_linked_at
    from conversions
    left join accounts on conversions.account_id = accounts.account_id
    where conversions.call_id is not null
    group by conversions.call_id

),

final as (

    select * from aggregated

)

select * from final
