{#- A text value as a SQL string literal, quoted as the engine reads them. -#}
{% macro text_literal(value) -%}
    {{ return(adapter.dispatch('text_literal', 'audience_warehouse')(value)) }}
{%- endmacro %}

{% macro default__text_literal(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{#- Spark unescapes backslashes and reads '' as two adjacent literals: escape both with a backslash. -#}
{% macro spark__text_literal(value) -%}
    '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}
