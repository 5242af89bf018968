{#-
    JSON building for payloads handed to an ESP. Written for DuckDB; another
    adapter needs its own implementation (Spark: to_json(map_from_entries(
    collect_list(...)))), so the default raises instead of guessing.
-#}

{#-
    A JSON object from the (key, value) pairs of a group, keys in order, so
    the same pairs give the same text on every run; keys must be unique.
-#}
{% macro json_object_agg(key, value) -%}
    {{ return(adapter.dispatch('json_object_agg', 'audience_warehouse')(key, value)) }}
{%- endmacro %}

{% macro default__json_object_agg(key, value) -%}
    {{ exceptions.raise_compiler_error('json_object_agg is not implemented for ' ~ target.type) }}
{%- endmacro %}

{#- json_group_object keeps the order rows arrive in, which parallel scans vary -#}
{% macro duckdb__json_object_agg(key, value) -%}
    to_json(map_from_entries(list(struct_pack(k := {{ key }}, v := {{ value }}) order by {{ key }})))
{%- endmacro %}

{#- A JSON array of the values of a group, in the given order. -#}
{% macro json_array_agg(value, order_by) -%}
    {{ return(adapter.dispatch('json_array_agg', 'audience_warehouse')(value, order_by)) }}
{%- endmacro %}

{% macro default__json_array_agg(value, order_by) -%}
    {{ exceptions.raise_compiler_error('json_array_agg is not implemented for ' ~ target.type) }}
{%- endmacro %}

{% macro duckdb__json_array_agg(value, order_by) -%}
    to_json(list({{ value }} order by {{ order_by }}))
{%- endmacro %}

{#- A JSON scalar: the number when there is one, else the text (null stays null). -#}
{% macro json_scalar(number_column, text_column) -%}
    {{ return(adapter.dispatch('json_scalar', 'audience_warehouse')(number_column, text_column)) }}
{%- endmacro %}

{% macro default__json_scalar(number_column, text_column) -%}
    {{ exceptions.raise_compiler_error('json_scalar is not implemented for ' ~ target.type) }}
{%- endmacro %}

{% macro duckdb__json_scalar(number_column, text_column) -%}
    coalesce(to_json({{ number_column }}), to_json({{ text_column }}), 'null'::json)
{%- endmacro %}

{#- A JSON object from literal keys and SQL values: json_object_of({'a': 'col_a'}). -#}
{% macro json_object_of(pairs) -%}
    {{ return(adapter.dispatch('json_object_of', 'audience_warehouse')(pairs)) }}
{%- endmacro %}

{% macro default__json_object_of(pairs) -%}
    {{ exceptions.raise_compiler_error('json_object_of is not implemented for ' ~ target.type) }}
{%- endmacro %}

{% macro duckdb__json_object_of(pairs) -%}
    json_object(
        {%- for key, value in pairs.items() %}
        '{{ key }}', {{ value }}{{ "," if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}
