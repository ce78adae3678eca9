with

source as (

    select * from {{ source('transcripts', 'call_transcripts') }}

),

renamed as (

    select
        call_id,
        status as transcript_status,
        reason as transcript_reason,
        language,
        audio_seconds,
        channels,
        redacted_text,
        sentiment_overall,
        sentiment_caller,
        sentiment_agent,
        sentiment_label,
        outcome,
        keywords as spotted_keywords,
        redaction_count,
        transcribed_at

    from source

),

final as (

    select * from renamed

)

select * from final
