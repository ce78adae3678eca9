{#- The UTC day of an instant as a day number (days since 1970-01-01): plain arithmetic, no
    timezone lookup per row. -#}
{% macro utc_day_number(instant) -%}
    epoch_us({{ instant }}) // 86400000000
{%- endmacro %}
