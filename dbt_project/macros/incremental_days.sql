{#- Incremental by day, for models with a day column whose days only change through recent
    data: a daily run deletes the last incremental_lookback_days + 1 days it holds (pre-hook
    `delete_recent_days()`) and rebuilds every day from `first_rebuilt_day()` on, which after
    that delete is the day after the newest day kept. A full build (or the first) has no delete
    and rebuilds every day. `column` names the day column (a date or a day number). -#}

{% macro delete_recent_days(column='date_local') -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
            {{ column }} >= (
                select max(kept.{{ column }}) - {{ var('incremental_lookback_days') }}
                from {{ this }} as kept
            )
    {%- endif -%}
{%- endmacro %}

{#- The first day to rebuild: the day after the newest day kept. -#}
{% macro first_rebuilt_day(column='date_local', earliest="date '0001-01-01'") -%}
    (
        select coalesce(max(kept.{{ column }}) + 1, {{ earliest }})
        from {{ this }} as kept
    )
{%- endmacro %}

{#- Incremental by (account, pool, local day), for the pool models: a daily run deletes, for
    each pool int_pool_rebuilt_days names, the days from its first_day on (pre-hook
    `delete_rebuilt_pool_days()`), and rebuilds them. -#}
{% macro delete_rebuilt_pool_days() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        using {{ ref('int_pool_rebuilt_days') }} as rebuilt
        where
            {{ this }}.account_id = rebuilt.account_id
            and {{ this }}.pool_id = rebuilt.pool_id
            and {{ this }}.date_local >= rebuilt.first_day
    {%- endif -%}
{%- endmacro %}

{#- The table `identifier` of this model's schema as it stands before this run, or none (parse
    time, a full refresh, or no such table yet): for a model that compares against what a
    model downstream of it recorded on the last run. While linting (sqlfluff's jinja templater
    has no adapter) the bare name, so the branch that reads it is linted. -#}
{% macro built_relation(identifier) -%}
    {%- if adapter is not defined -%}
        {{ return(identifier) }}
    {%- elif execute and not flags.FULL_REFRESH -%}
        {{ return(adapter.get_relation(
            database=this.database, schema=this.schema, identifier=identifier
        )) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}
