{#- Models land in exactly the schema their folder names (marts, ml, staging, intermediate),
    not dbt's default "<target schema>_<custom schema>": analysts and dashboards query
    marts.fct_calls, whatever the target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
