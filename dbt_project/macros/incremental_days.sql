{#- Incremental by local day, for models with a date_local column whose days only change
    through recent data (pool levels and pool sessions): a daily run deletes the last
    incremental_lookback_days + 1 days it holds (pre-hook `delete_recent_days()`) and rebuilds
    every day from `first_rebuilt_day()` on, which after that delete is the day after the
    newest day kept. A full build (or the first) has no delete and rebuilds every day. -#}

{% macro delete_recent_days() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
            date_local >= (
                select max(kept.date_local) - {{ var('incremental_lookback_days') }}
                from {{ this }} as kept
            )
    {%- endif -%}
{%- endmacro %}

{#- The first local day to rebuild (a date): the day after the newest day kept. -#}
{% macro first_rebuilt_day() -%}
    (
        select coalesce(max(kept.date_local) + 1, date '0001-01-01')
        from {{ this }} as kept
    )
{%- endmacro %}
