{#- Whether an incremental reader of int_conversions_linked (fct_calls, ml_call_features) must
    compare the conversions of every call with those it built, instead of rebuilding only the
    calls named by the links written since its last build (the rows whose _run_linked_at is past
    its `watermark_column`: their call and the calls they left, _run_unlinked_call_ids). That
    list is complete only while int_conversions_linked keeps the rows a reader's last build
    saw: so the comparison runs when the reader has no watermark yet (a table from before the
    column, or none linked), or when no link remains from before its watermark
    (int_conversions_linked rebuilt whole since, its lists started afresh). Asked once, while
    the model is compiled; false while parsing. -#}
{% macro conversion_links_replaced(watermark_column) -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- if not relation_has_column(this, watermark_column) -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set kept = run_query(
        "select count(*) from " ~ ref('int_conversions_linked') ~ " as conversions"
        ~ " where conversions._run_linked_at <= (select max(this." ~ watermark_column ~ ")"
        ~ " from " ~ this ~ " as this)"
    ) -%}
    {{ return(kept.columns[0].values()[0] == 0) }}
{%- endmacro %}
