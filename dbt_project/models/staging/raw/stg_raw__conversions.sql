-- caller_number (PII) is deliberately not selected: attribution.conversion_caller_keys has it
-- as a caller_key.
with

source as (

    select * from {{ source('raw', 'conversions') }}

),

renamed as (

    select
        event_id as conversion_id,
        account_id,
        occurred_at as converted_at,
        conversion_type,
        call_id,
        value as conversion_value,
        currency,
        _load_id as load_id

    from source

),

final as (

    select * from renamed

)

select * from final
