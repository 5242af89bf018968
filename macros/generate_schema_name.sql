{#-
    Custom schemas are used as they are (staging, intermediate, marts,
    activation) rather than prefixed with the target schema, so BI users see
    clean names. Models without a custom schema land in the target schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
