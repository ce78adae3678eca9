{#- The view materialization of dbt (dbt-adapters' default, which dbt-duckdb uses), except that a
    view whose compiled SQL has not changed since it was created is left as it is. A view holds
    no data, and DuckDB binds a view's query each time it is read, so a view over a rebuilt
    table needs no re-creation. Re-creating the project's ~18 unchanged views was a fixed cost
    of every daily run (~1.5 s of model time, all of it before the first table could start).

    The fingerprint (md5 of the compiled SQL) is kept as the view's comment. `--full-refresh`
    always re-creates, and so does a model that persists its docs as relation comments (the
    fingerprint would overwrite them), and so does a view model with hooks. -#}
{%- materialization view, adapter='duckdb' -%}

    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set fingerprint = 'dbt-sql-md5:' ~ local_md5(sql) -%}
    {#- a model with hooks runs them every time, as the default materialization does -#}
    {%- set keeps_fingerprint = not config.persist_relation_docs()
        and pre_hooks | length == 0 and post_hooks | length == 0 -%}

    {%- if keeps_fingerprint and existing_relation is not none and existing_relation.is_view
        and not should_full_refresh() -%}
        {%- call statement('main', fetch_result=True) -%}
            select comment from duckdb_views()
            where
                database_name = '{{ existing_relation.database | replace("'", "''") }}'
                and schema_name = '{{ existing_relation.schema | replace("'", "''") }}'
                and view_name = '{{ existing_relation.identifier | replace("'", "''") }}'
        {%- endcall -%}
        {%- set current = load_result('main')['data'] -%}
        {%- if current | length == 1 and current[0][0] == fingerprint -%}
            {{ adapter.commit() }}
            {{ return({'relations': [target_relation]}) }}
        {%- endif -%}
    {%- endif -%}

    {%- set intermediate_relation = make_intermediate_relation(target_relation) -%}
    {%- set preexisting_intermediate_relation = load_cached_relation(intermediate_relation) -%}
    {%- set backup_relation_type = 'view' if existing_relation is none else existing_relation.type -%}
    {%- set backup_relation = make_backup_relation(target_relation, backup_relation_type) -%}
    {%- set preexisting_backup_relation = load_cached_relation(backup_relation) -%}
    {% set grant_config = config.get('grants') %}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}

    {{ drop_relation_if_exists(preexisting_intermediate_relation) }}
    {{ drop_relation_if_exists(preexisting_backup_relation) }}

    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {% call statement('main') -%}
        {{ get_create_view_as_sql(intermediate_relation, sql) }}
    {%- endcall %}

    {% if existing_relation is not none %}
        {% set existing_relation = load_cached_relation(existing_relation) %}
        {% if existing_relation is not none %}
            {{ adapter.rename_relation(existing_relation, backup_relation) }}
        {% endif %}
    {% endif %}
    {{ adapter.rename_relation(intermediate_relation, target_relation) }}

    {% if keeps_fingerprint %}
        {% call statement('fingerprint') -%}
            comment on view {{ target_relation }} is '{{ fingerprint }}'
        {%- endcall %}
    {% endif %}

    {% set should_revoke = should_revoke(existing_relation, full_refresh_mode=True) %}
    {% do apply_grants(target_relation, grant_config, should_revoke=should_revoke) %}

    {% do persist_docs(target_relation, model) %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}

    {{ adapter.commit() }}

    {{ drop_relation_if_exists(backup_relation) }}

    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}

{%- endmaterialization -%}
