{#- The rows of a table whose key is among `keys` (a query), read in two steps: the positions
    (rowid) of the matching rows from the key column alone, then those rows. A plain semi join
    on a scattered key (call ids) reads every column of every row group, since the key's
    min/max prunes nothing; the positions do prune: the tables sit in call start order and the
    rows a daily run looks for are mostly in the newest row groups. `position` is rowid for a
    table; a view has no rowid, so a staging view passes its source's on as `_source_row`
    (DuckDB carries the filter on it through the view to the source's scan). -#}
{% macro rows_by_key(relation, key, keys, position='rowid') -%}
    select * from {{ relation }} as keyed_rows
    where keyed_rows.{{ position }} in (
        select keys_rows.{{ position }} from {{ relation }} as keys_rows
        where keys_rows.{{ key }} in ({{ keys }})
    )
{%- endmacro %}
