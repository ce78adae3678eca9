-- Each conversion linked to at most one call: by call_id when the CRM knows it (and the call
-- exists), else to the same caller's latest call of the same account at or before the
-- conversion, at most conversion_link_window_days earlier. Unlinked conversions stay, with a
-- null call_id, so nothing is silently dropped.
with

conversions as (

    select * from {{ ref('stg_raw__conversions') }}

),

conversion_caller_keys as (

    select * from {{ ref('stg_attribution__conversion_caller_keys') }}

),

calls as (

    select * from {{ ref('int_calls_joined') }}

),

by_call_id as (

    select
        conversions.conversion_id,
        calls.call_id
    from conversions
    inner join calls
        on
            conversions.call_id = calls.call_id
            and conversions.account_id = calls.account_id

),

by_caller_key as (

    select
        conversions.conversion_id,
        arg_max(calls.call_id, calls.started_at) as call_id
    from conversions
    inner join conversion_caller_keys
        on conversions.conversion_id = conversion_caller_keys.conversion_id
    inner join calls
        on
            conversion_caller_keys.caller_key = calls.caller_key
            and conversions.account_id = calls.account_id
            and conversions.converted_at >= calls.started_at
            and calls.started_at
            >= conversions.converted_at
            - to_days({{ var('conversion_link_window_days') }})
    where conversions.conversion_id not in (select by_call_id.conversion_id from by_call_id)
    group by conversions.conversion_id

),

linked as (

    select
        conversions.conversion_id,
        conversions.account_id,
        conversions.converted_at,
        conversions.conversion_type,
        conversions.conversion_value,
        conversions.currency,
        conversions.load_id,
        coalesce(by_call_id.call_id, by_caller_key.call_id) as call_id,
        case
            when by_call_id.call_id is not null then 'call_id'
            when by_caller_key.call_id is not null then 'caller_key'
            else 'unlinked'
        end as link_method
    from conversions
    left join by_call_id on conversions.conversion_id = by_call_id.conversion_id
    left join by_caller_key on conversions.conversion_id = by_caller_key.conversion_id

),

final as (

    select * from linked

)

select * from final
