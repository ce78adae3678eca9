-- Whether a built relation has a column: lets an incremental model tell a table built by an
-- older version of itself (a watermark column missing) from a current one.
{% macro relation_has_column(relation, column_name) -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') -%}
    {{ return(column_name in columns | list) }}
{%- endmacro %}
