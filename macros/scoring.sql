{#-
    Quantile score 1..n_bins of `column` among the rows of the query:
    1 + floor(n_bins * (rank - 1) / row count), with rank() so that equal
    values always share a score (the score of the first of them). Order
    'desc' gives the highest score to the smallest values (recency).
    partition_by scores each group of rows on its own (a snapshot date).
-#}
{% macro quantile_score(column, order='asc', n_bins=5, partition_by=none) -%}
    {%- set partition = 'partition by ' ~ partition_by ~ ' ' if partition_by else '' -%}
    cast(
        1 + floor(
            {{ n_bins }} * (rank() over ({{ partition }}order by {{ column }} {{ order }}) - 1)
            / cast(count(*) over ({{ partition | trim }}) as double)
        )
        as {{ dbt.type_int() }}
    )
{%- endmacro %}

{#- Days in one unit of the var btyd_time_unit (day or week). -#}
{% macro btyd_unit_days() -%}
    {#- a double, not 7.0: Spark reads that literal as a decimal and rounds the quotient to six places -#}
    {%- set unit = var('btyd_time_unit') -%}
    {%- if unit == 'day' -%} cast(1 as double)
    {%- elif unit == 'week' -%} cast(7 as double)
    {%- else -%}
        {{ exceptions.raise_compiler_error("var btyd_time_unit must be 'day' or 'week', got '" ~ unit ~ "'") }}
    {%- endif -%}
{%- endmacro %}

{#- Start of the purchase period (var btyd_purchase_period: day or week) of a date. -#}
{% macro btyd_period_start(date_column) -%}
    {%- set period = var('btyd_purchase_period') -%}
    {%- if period == 'day' -%} {{ date_column }}
    {%- elif period == 'week' -%} cast({{ dbt.date_trunc('week', date_column) }} as date)
    {%- else -%}
        {{ exceptions.raise_compiler_error("var btyd_purchase_period must be 'day' or 'week', got '" ~ period ~ "'") }}
    {%- endif -%}
{%- endmacro %}
