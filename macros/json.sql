{#-
    JSON building for payloads handed to an ESP, as JSON values on DuckDB and
    as JSON text on Spark (built from escaped parts: Spark's to_json would
    quote a nested document). Keys come out in the same order on both, so
    the payloads parse to the same values. Another adapter needs its own
    implementation, so the default raises instead of guessing.
-#}

{#- A JSON text of a text value, escaped as JSON requires (quotes included); null stays null. -#}
{% macro spark__json_text(column) -%}
    regexp_extract(to_json(array({{ column }})), '^\\[(.*)\\]$', 1)
{%- endmacro %}

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

{% macro spark__json_object_agg(key, value) -%}
    concat('{', concat_ws(',', array_sort(collect_list(concat({{ spark__json_text(key) }}, ':', {{ value }})))), '}')
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

{% macro spark__json_array_agg(value, order_by) -%}
    concat('[', concat_ws(',', transform(
        array_sort(collect_list(named_struct('o', {{ order_by }}, 'v', {{ value }}))), item -> item.v
    )), ']')
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

{% macro spark__json_scalar(number_column, text_column) -%}
    coalesce(cast({{ number_column }} as string), {{ spark__json_text(text_column) }}, 'null')
{%- endmacro %}

{#- A JSON document written in SQL (an empty object or array as a default). -#}
{% macro json_literal(text) -%}
    {{ return(adapter.dispatch('json_literal', 'audience_warehouse')(text)) }}
{%- endmacro %}

{% macro default__json_literal(text) -%}
    '{{ text }}'
{%- endmacro %}

{% macro duckdb__json_literal(text) -%}
    '{{ text }}'::json
{%- endmacro %}

{#- True when a text is a valid JSON document. -#}
{% macro is_valid_json(column) -%}
    {{ return(adapter.dispatch('is_valid_json', 'audience_warehouse')(column)) }}
{%- endmacro %}

{% macro default__is_valid_json(column) -%}
    json_valid({{ column }})
{%- endmacro %}

{% macro spark__is_valid_json(column) -%}
    (try_parse_json({{ column }}) is not null)
{%- endmacro %}

{#-
    A JSON object from literal keys and SQL values: json_object_of({'a': 'col_a'}).
    Values named in `json_keys` are JSON already (nested documents); the
    others are text, written as JSON strings (null as null).
-#}
{% macro json_object_of(pairs, json_keys=[]) -%}
    {{ return(adapter.dispatch('json_object_of', 'audience_warehouse')(pairs, json_keys)) }}
{%- endmacro %}

{% macro default__json_object_of(pairs, json_keys) -%}
    {{ exceptions.raise_compiler_error('json_object_of is not implemented for ' ~ target.type) }}
{%- endmacro %}

{% macro duckdb__json_object_of(pairs, json_keys) -%}
    json_object(
        {%- for key, value in pairs.items() %}
        '{{ key }}', {{ value }}{{ "," if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{% macro spark__json_object_of(pairs, json_keys) -%}
    concat(
        '{',
        {%- for key, value in pairs.items() %}
        '"{{ key }}":', {% if key in json_keys %}{{ value }}{% else %}coalesce({{ spark__json_text(value) }}, 'null'){% endif %},
        {%- if not loop.last %} ',',{% endif %}
        {%- endfor %}
        '}'
    )
{%- endmacro %}
