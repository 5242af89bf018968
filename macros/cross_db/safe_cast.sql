{#-
    dbt's safe_cast falls back to a plain cast on DuckDB (dbt-duckdb does not
    implement it), which fails on the first bad value. DuckDB's try_cast
    gives the null that safe_cast promises on every other adapter.
-#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
