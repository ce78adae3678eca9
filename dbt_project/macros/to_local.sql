{#- A UTC instant as wall-clock time in an IANA timezone (column or literal). -#}
{% macro to_local(instant, timezone) -%}
    timezone({{ timezone }}, {{ instant }})
{%- endmacro %}
