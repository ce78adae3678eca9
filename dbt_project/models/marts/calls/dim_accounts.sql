with

accounts as (

    select * from {{ ref('stg_raw__accounts_current') }}

),

final as (

    select
        account_id,
        account_name as name,
        timezone,
        currency,
        qualified_call_seconds,
        session_timeout_minutes,
        attribution_lookback_days
    from accounts

)

select * from final
