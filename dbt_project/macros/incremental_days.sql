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

{#- Whether attribution removed a session after the pool marks `marks` were taken (its
    assignments went with it): int_pool_build_marks then reads every assignment again. Asked
    while the model is compiled; false while parsing. -#}
{% macro sessions_removed_since(marks) -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set removed = run_query(
        "select count(*) from " ~ ref('stg_attribution__deleted_sessions') ~ " as deleted"
        ~ " where deleted.deleted_at > (select coalesce(max(marks.sessions_deleted_at),"
        ~ " cast('-infinity' as timestamptz)) from " ~ marks ~ " as marks)"
    ) -%}
    {{ return(removed.columns[0].values()[0] > 0) }}
{%- endmacro %}
