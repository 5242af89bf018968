{#- Hex SHA-256 of a text, as ad platforms expect for hashed-email audiences. -#}
{% macro sha256(column) -%}
    {{ return(adapter.dispatch('sha256', 'audience_warehouse')(column)) }}
{%- endmacro %}

{% macro default__sha256(column) -%}
    sha2({{ column }}, 256)
{%- endmacro %}

{% macro duckdb__sha256(column) -%}
    sha256({{ column }})
{%- endmacro %}
