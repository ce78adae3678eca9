{#- A hash of the columns of a session that show that attribution recomputed it (qualified by
    `relation`): a late beacon changes the beacon count and the first or last beacon times,
    and everything else of a session derives from its beacons. fct_sessions compares it
    between attribution and the built table to find the sessions to rebuild (one 64-bit hash
    per session: comparing the columns themselves held several GiB at a million calls). -#}
{% macro session_change_hash(relation) -%}
    hash(
        {{ relation }}.started_at,
        {{ relation }}.last_beacon_at,
        {{ relation }}.ended_at,
        {{ relation }}.beacon_count,
        {{ relation }}.page_views
    )
{%- endmacro %}
