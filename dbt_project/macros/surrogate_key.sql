{#- md5 of the columns, with nulls spelled out so (a, null) and (null, a) differ. -#}
{% macro surrogate_key(columns) -%}
    md5(concat_ws('|'
    {%- for column in columns %}, coalesce(cast({{ column }} as varchar), '<null>')
    {%- endfor %}))
{%- endmacro %}
