{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="""
            {% if is_incremental() %}
                -- the first UTC day this run recounts: that of the earliest start among the
                -- sessions attribution wrote or removed since the newest one counted (null
                -- when none: nothing is deleted or counted)
                set variable int_campaign_session_counts_from_day = (
                    with watermark as (
                        select
                            coalesce(
                                max(this._computed_at), cast('-infinity' as timestamptz)
                            ) as computed_at
                        from {{ this }} as this
                    )
                    select min({{ utc_day_number('changed.started_at') }})
                    from (
                        select sessions.started_at
                        from {{ ref('stg_attribution__sessions') }} as sessions, watermark
                        where sessions.computed_at > watermark.computed_at
                        union all
                        select deleted.started_at
                        from {{ ref('stg_attribution__deleted_sessions') }} as deleted, watermark
                        where deleted.deleted_at > watermark.computed_at
                    ) as changed
                );
                delete from {{ this }}
                where started_utc_day >= getvariable('int_campaign_session_counts_from_day');
            {% endif %}
        """
    )
}}

-- depends_on: {{ ref('stg_attribution__deleted_sessions') }}

-- Sessions per campaign, channel, source and medium, per UTC day of the session's start: what
-- int_ad_spend_by_campaign_day takes each campaign's most frequent source and medium from
-- (counting them from the sessions on every run read all 18M sessions at 1.6M calls).
-- Incremental on attribution's computed_at, like fct_sessions: a daily run recounts every day
-- from the earliest start of a session attribution wrote or removed since the newest session
-- counted, and keeps the older days. A session's start only moves earlier as beacons arrive,
-- so the day it was counted in is among those recounted.
with

sessions as (

    select * from {{ ref('stg_attribution__sessions') }}

),

final as (

    select
        account_id,
        channel,
        campaign,
        source,
        medium,
        {{ utc_day_number('started_at') }} as started_utc_day,
        count(*) as sessions,
        max(computed_at) as _computed_at
    from sessions
    where
        campaign is not null
        {% if is_incremental() %}
            -- a bound on the column itself, so DuckDB skips the older row groups
            and started_at
            >= to_timestamp(getvariable('int_campaign_session_counts_from_day') * 86400)
        {% endif %}
    group by account_id, channel, campaign, source, medium, started_utc_day

)

select * from final
