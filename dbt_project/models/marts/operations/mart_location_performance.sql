-- Calls and conversions per local day and business location (multi-location accounts: the
-- location is the one the dialled tracking number rings). Calls to numbers without a location
-- are not in this mart.
with

calls as (

    select * from {{ ref('fct_calls') }}

),

counted as (

    select
        date_local,
        account_id,
        location_id,
        currency,
        count(*) as calls,
        count(*) filter (where is_answered) as answered_calls,
        count(*) filter (where is_missed) as missed_calls,
        count(*) filter (where is_qualified) as qualified_calls,
        count(*) filter (where is_first_time_caller) as first_time_calls,
        count(*) filter (where is_converted) as converted_calls,
        sum(conversion_value) as conversion_value
    from calls
    where location_id is not null
    group by all

),

final as (

    select
        {{ surrogate_key(['date_local', 'account_id', 'location_id', 'currency']) }}
            as location_performance_id,
        date_local,
        account_id,
        location_id,
        currency,
        calls,
        answered_calls,
        missed_calls,
        {{ safe_divide('missed_calls', 'calls') }} as missed_call_rate,
        qualified_calls,
        first_time_calls,
        converted_calls,
        {{ safe_divide('converted_calls', 'calls') }} as conversion_rate,
        conversion_value
    from counted

)

select * from final
