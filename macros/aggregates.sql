{#-
    The value of `value` on the row where `key` is smallest (largest), within
    a group: what a row_number() window ranked on `key` and filtered to 1
    gives, in one aggregation pass (no sort of the group's rows). A null
    value on that row is returned as null, not skipped. Ties on `key` are
    the caller's to break: make the key a row() of the ordering columns.
-#}
{% macro value_at_min(value, key) -%}
    {{ return(adapter.dispatch('value_at_min', 'audience_warehouse')(value, key)) }}
{%- endmacro %}

{% macro value_at_max(value, key) -%}
    {{ return(adapter.dispatch('value_at_max', 'audience_warehouse')(value, key)) }}
{%- endmacro %}

{% macro default__value_at_min(value, key) -%}
    min_by({{ value }}, {{ key }})
{%- endmacro %}

{% macro default__value_at_max(value, key) -%}
    max_by({{ value }}, {{ key }})
{%- endmacro %}

{#- DuckDB's arg_min skips null values; arg_min_null does not. -#}
{% macro duckdb__value_at_min(value, key) -%}
    arg_min_null({{ value }}, {{ key }})
{%- endmacro %}

{% macro duckdb__value_at_max(value, key) -%}
    arg_max_null({{ value }}, {{ key }})
{%- endmacro %}
