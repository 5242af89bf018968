{#-
    The value of `value` on the row where `key` is smallest (largest), within
    a group: what a row_number() window ranked on `key` and filtered to 1
    gives, in one aggregation pass (no sort of the group's rows). A null
    value on that row is returned as null, not skipped. Ties on `key` are
    the caller's to break: make the key a row() of the ordering columns.
-#}
{% macro value_at_min(value, key) -%}
    {{ return(adapter.dispatch('value_at_extreme', 'audience_warehouse')('min', value, key)) }}
{%- endmacro %}

{% macro value_at_max(value, key) -%}
    {{ return(adapter.dispatch('value_at_extreme', 'audience_warehouse')('max', value, key)) }}
{%- endmacro %}

{#- `extreme` is 'min' or 'max'. -#}
{% macro default__value_at_extreme(extreme, value, key) -%}
    {{ extreme }}_by({{ value }}, {{ key }})
{%- endmacro %}

{#- DuckDB's arg_min/arg_max skip null values; the _null variants do not. -#}
{% macro duckdb__value_at_extreme(extreme, value, key) -%}
    arg_{{ extreme }}_null({{ value }}, {{ key }})
{%- endmacro %}
