-- Whether a built relation has a column: lets an incremental model tell a table built by an
-- older version of itself (a watermark column missing) from a current one. A unit test's given
-- `this` is a name, not a relation: it is taken to be current (its rows give the columns).
{% macro relation_has_column(relation, column_name) -%}
    {%- if relation is string -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') -%}
    {{ return(column_name in columns | list) }}
{%- endmacro %}
