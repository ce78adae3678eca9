{#- The session columns fct_sessions reads from attribution.sessions (qualified by `relation`),
    compared between attribution and the built table to find the sessions to rebuild. -#}
{% macro fct_sessions_source_columns(relation) -%}
    {%- set columns = [
        'session_id', 'account_id', 'visitor_id', 'started_at', 'last_beacon_at', 'ended_at',
        'beacon_count', 'page_views', 'landing_page', 'referrer', 'channel', 'source', 'medium',
        'campaign', 'ad_group', 'keyword', 'match_type', 'campaign_id', 'ad_group_id',
        'keyword_id', 'gclid'
    ] -%}
    {%- for column in columns -%}
        {{ relation }}.{{ column }}{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
