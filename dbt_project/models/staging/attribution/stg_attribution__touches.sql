with

source as (

    -- rowid: the row's position in the source, which the view's own rows cannot offer; a
    -- reader fetches a few rows by it (macro rows_by_key)
    select
        *,
        rowid as _source_row
    from {{ source('attribution', 'touches') }}

),

renamed as (

    select
        call_id,
        session_id,
        model,
        weight,
        touch_index,
        session_started_at,
        channel,
        source,
        medium,
        campaign,
        keyword,
        _source_row

    from source

),

final as (

    select * from renamed

)

select * from final
