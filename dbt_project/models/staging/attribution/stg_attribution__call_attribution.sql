with

source as (

    -- rowid: the row's position in the source, which the view's own rows cannot offer; a
    -- reader fetches a few rows by it (macro rows_by_key)
    select
        *,
        rowid as _source_row
    from {{ source('attribution', 'call_attribution') }}

),

renamed as (

    select
        call_id,
        account_id,
        started_at,
        tracking_number,
        number_kind,
        pool_id,
        location_id,
        caller_key,
        is_first_time_caller,
        attribution_status,
        candidate_count,
        session_id,
        visitor_id,
        channel,
        source,
        medium,
        campaign,
        ad_group,
        keyword,
        match_type,
        campaign_id,
        ad_group_id,
        keyword_id,
        gclid,
        landing_page,
        attributed_at,
        _source_row

    from source

),

final as (

    select * from renamed

)

select * from final
