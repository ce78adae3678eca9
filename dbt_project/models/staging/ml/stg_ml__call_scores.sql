with

source as (

    select * from {{ source('ml', 'call_scores') }}

),

renamed as (

    select
        call_id,
        model_version,
        score as call_score,
        scored_at

    from source

),

final as (

    select * from renamed

)

select * from final
