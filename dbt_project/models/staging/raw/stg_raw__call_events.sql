-- caller_number and caller_postal_code (PII) are deliberately not selected.
with

source as (

    select * from {{ source('raw', 'call_events') }}

),

renamed as (

    select
        event_id,
        event_type,
        occurred_at,
        account_id,
        call_id,
        tracking_number,
        caller_city,
        caller_region,
        caller_country,
        end_status,
        duration_seconds,
        talk_seconds,
        recording_uri,
        cast(recording_channels as integer) as recording_channels,
        _arrival_date as arrival_date,
        _load_id as load_id

    from source

),

final as (

    select * from renamed

)

select * from final
