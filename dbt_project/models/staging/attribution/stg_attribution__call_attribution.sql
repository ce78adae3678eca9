with

source as (

    select * from {{ source('attribution', 'call_attribution') }}

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
        attributed_at

    from source

),

final as (

    select * from renamed

)

select * from final
