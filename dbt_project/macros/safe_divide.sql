{#- A ratio whose denominator is zero (or null) is null: not zero, not infinity (design.md). -#}
{% macro safe_divide(numerator, denominator) -%}
    ({{ numerator }}) / nullif({{ denominator }}, 0)
{%- endmacro %}
