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
