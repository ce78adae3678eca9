-- caller_number and caller_postal_code (PII) are deliberately not selected.
with

source as (

    -- rowid: the row's position in the source, which the view's own rows cannot offer; a
    -- reader fetches a few rows by it (macro rows_by_key)
    select
        *,
        rowid as _source_row
    from {{ source('raw', 'call_events') }}

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
        _load_id as load_id,
        _source_row

    from source

),

final as (

    select * from renamed

)

select * from final
