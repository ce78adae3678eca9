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
        {{ call_outcome_counts() }}
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
        {{ performance_rates(['missed_call_rate']) }},
        qualified_calls,
        first_time_calls,
        converted_calls,
        {{ performance_rates(['conversion_rate']) }},
        conversion_value
    from counted

)

select * from final
