with

source as (

    select * from {{ source('raw', 'accounts_current') }}

),

renamed as (

    select
        account_id,
        name as account_name,
        timezone,
        currency,
        qualified_call_seconds,
        session_timeout_minutes,
        attribution_lookback_days

    from source

),

final as (

    select * from renamed

)

select * from final
