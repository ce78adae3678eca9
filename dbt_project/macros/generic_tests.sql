{#- Generic tests we would otherwise take from dbt_utils (no dbt hub here). -#}

{#- Rows where a boolean SQL expression over the model's columns is not true. -#}
{% test expression_is_true(model, expression) %}
    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)
{% endtest %}

{#- Negative values of a count, seconds or money column (nulls pass). -#}
{% test not_negative(model, column_name) %}
    select *
    from {{ model }}
    where {{ column_name }} < 0
{% endtest %}

{#- A fraction outside [0, 1] (nulls pass: a zero denominator gives null). -#}
{% test is_fraction(model, column_name) %}
    select *
    from {{ model }}
    where {{ column_name }} < 0 or {{ column_name }} > 1
{% endtest %}

{#- Duplicate combinations of columns (the grain of a mart); nulls compare equal. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as n_rows
    from {{ model }}
    group by all
    having count(*) > 1
{% endtest %}
