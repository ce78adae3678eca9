{#- The columns of a session that show that attribution recomputed it (qualified by
    `relation`): a late beacon changes the beacon count and the first or last beacon times,
    and everything else of a session derives from its beacons. fct_sessions compares them
    between attribution and the built table to find the sessions to rebuild (narrow columns:
    comparing the wide ones, URLs and referrers, would cost more than the rebuild). -#}
{% macro fct_sessions_source_columns(relation) -%}
    {%- set columns = [
        'session_id', 'started_at', 'last_beacon_at', 'ended_at', 'beacon_count', 'page_views'
    ] -%}
    {%- for column in columns -%}
        {{ relation }}.{{ column }}{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
