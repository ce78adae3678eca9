{#-
    A UTC instant as wall-clock time in an IANA timezone (a column or a literal).

    timezone() with a zone that varies by row sets up an ICU calendar for every row (~4 us a
    row here; most of a full rebuild of fct_sessions and the pool models went to it), while
    with a constant zone it costs ~0.2 us. So when the zone is a column, each zone the
    accounts use gets its own branch with the zone as a constant, and a zone no branch names
    (an account added after this model was compiled) still goes through the per-row call in
    the else branch: the result is the same timezone() either way.

    The branch zones are the accounts' zones that DuckDB's own zone list knows
    (pg_timezone_names), so the SQL text holds only names from that catalogue, never an
    arbitrary value of the data; each is also checked against the IANA name pattern below.
-#}
{% macro to_local(instant, timezone) -%}
    {#- (`execute` is false while dbt parses and undefined in sqlfluff's lint rendering) -#}
    {%- set zones = account_timezones() if execute and not timezone.startswith("'") else [] -%}
    {%- if zones | length == 0 -%}
        timezone({{ timezone }}, {{ instant }})
    {%- else -%}
        case {{ timezone }}
        {%- for zone in zones %}
            when '{{ zone }}' then timezone('{{ zone }}', {{ instant }})
        {%- endfor %}
            else timezone({{ timezone }}, {{ instant }})
        end
    {%- endif -%}
{%- endmacro %}

{#- The distinct, known zones of the accounts (empty while parsing or without a warehouse). -#}
{% macro account_timezones() -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set accounts = adapter.get_relation(
        database=source('raw', 'accounts_current').database,
        schema=source('raw', 'accounts_current').schema,
        identifier=source('raw', 'accounts_current').identifier
    ) -%}
    {%- if accounts is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set found = run_query(
        "select distinct accounts.timezone from " ~ accounts ~ " as accounts"
        ~ " inner join pg_timezone_names() as zones on accounts.timezone = zones.name"
        ~ " order by 1"
    ) -%}
    {%- set zones = [] -%}
    {%- for zone in found.columns[0].values() -%}
        {%- if modules.re.fullmatch('[A-Za-z0-9_+/-]+', zone) -%}
            {%- do zones.append(zone) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(zones) }}
{%- endmacro %}
