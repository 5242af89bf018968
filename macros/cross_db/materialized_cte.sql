{#-
    Written between a CTE's name and `as (`: asks the database to compute
    the CTE once and keep its rows instead of inlining it into the query
    that reads it. Empty where the dialect has no such hint.
-#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'audience_warehouse')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}
{%- endmacro %}

{% macro duckdb__materialized_cte() -%}
    materialized
{%- endmacro %}
