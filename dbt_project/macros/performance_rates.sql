{#- The rates of the performance marts, each defined once: `performance_rates(['roas'])`
    gives `(conversion_value) / nullif(spend, 0) as roas`. Marts name the rates they have, in
    their column order; a zero denominator gives null (safe_divide). -#}
{% macro performance_rates(names) -%}
    {%- set definitions = {
        'missed_call_rate': ('missed_calls', 'calls'),
        'first_time_share': ('first_time_calls', 'calls'),
        'conversion_rate': ('converted_calls', 'calls'),
        'cost_per_call': ('spend', 'calls'),
        'cost_per_qualified_call': ('spend', 'qualified_calls'),
        'cost_per_conversion': ('spend', 'converted_calls'),
        'click_to_call_rate': ('calls', 'clicks'),
        'roas': ('conversion_value', 'spend'),
    } -%}
    {%- for name in names -%}
        {{ safe_divide(definitions[name][0], definitions[name][1]) }} as {{ name }}
        {%- if not loop.last %},
        {% endif -%}
    {%- endfor -%}
{%- endmacro %}

{#- The call counts the channel and location marts sum per grain, from fct_calls' flags. -#}
{% macro call_outcome_counts() -%}
    count(*) as calls,
    count(*) filter (where is_answered) as answered_calls,
    count(*) filter (where is_missed) as missed_calls,
    count(*) filter (where is_qualified) as qualified_calls,
    count(*) filter (where is_first_time_caller) as first_time_calls,
    count(*) filter (where is_converted) as converted_calls,
    sum(conversion_value) as conversion_value
{%- endmacro %}
