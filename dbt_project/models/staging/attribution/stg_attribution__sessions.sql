with

source as (

    select * from {{ source('attribution', 'sessions') }}

),

renamed as (

    select
        account_id,
        session_id,
        visitor_id,
        started_at,
        last_beacon_at,
        ended_at,
        beacon_count,
        page_views,
        landing_page,
        referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_term,
        gclid,
        msclkid,
        fbclid,
        channel,
        source,
        medium,
        campaign,
        keyword,
        ad_group,
        match_type,
        campaign_id,
        ad_group_id,
        keyword_id,
        computed_at

    from source

),

final as (

    select * from renamed

)

select * from final
