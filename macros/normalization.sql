{#- Normalization shared by every staging model. -#}

{#- Trimmed, lower-cased email; blank becomes null. -#}
{% macro normalize_email(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}

{#- Trimmed free text; blank becomes null. -#}
{% macro normalize_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#-
    Text timestamp to a UTC timestamp without time zone. Offsets in the text
    ('-05:00', 'Z') are honoured; text without an offset is taken as UTC.
    Unparseable text becomes null (the staging model flags it).
-#}
{% macro to_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'audience_warehouse')(column)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(column) -%}
    {{ dbt.safe_cast(column, api.Column.translate_type('timestamp')) }}
{%- endmacro %}

{% macro duckdb__to_utc_timestamp(column) -%}
    (try_cast({{ column }} as timestamptz) at time zone 'UTC')
{%- endmacro %}

{% macro spark__to_utc_timestamp(column) -%}
    to_utc_timestamp(try_cast({{ column }} as timestamp), 'UTC')
{%- endmacro %}

{#- Text date (ISO) to a date; unparseable becomes null. -#}
{% macro to_date(column) -%}
    {{ dbt.safe_cast(column, api.Column.translate_type('date')) }}
{%- endmacro %}

{#- A stable surrogate key from one or more expressions (null-safe, md5 on DuckDB). -#}
{% macro surrogate_key(expressions) -%}
    {%- set parts = [] -%}
    {%- for expression in expressions -%}
        {%- do parts.append("coalesce(cast(" ~ expression ~ " as " ~ dbt.type_string() ~ "), '_null_')") -%}
        {%- if not loop.last -%}{%- do parts.append("'|'") -%}{%- endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

{#-
    A label as a stable machine key: lower case, every run of characters
    other than a-z and 0-9 becomes one underscore, none at either end
    ('High value, engaged' -> 'high_value_engaged').
-#}
{% macro slugify(column) -%}
    {{ return(adapter.dispatch('slugify', 'audience_warehouse')(column)) }}
{%- endmacro %}

{% macro default__slugify(column) -%}
    trim(both '_' from regexp_replace(lower({{ column }}), '[^a-z0-9]+', '_'))
{%- endmacro %}

{% macro duckdb__slugify(column) -%}
    trim(regexp_replace(lower({{ column }}), '[^a-z0-9]+', '_', 'g'), '_')
{%- endmacro %}
