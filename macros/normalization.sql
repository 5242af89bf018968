{#- Normalization shared by every staging model. -#}

{#- Trimmed, lower-cased email; blank becomes null. -#}
{% macro normalize_email(column) -%}
    lower({{ normalize_text(column) }})
{%- endmacro %}

{#- Trimmed free text; blank becomes null. -#}
{% macro normalize_text(column) -%}
    {{ return(adapter.dispatch('normalize_text', 'audience_warehouse')(column)) }}
{%- endmacro %}

{% macro default__normalize_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#-
    DuckDB's trim() removes spaces only and costs several times a LIKE test:
    most values have nothing to trim, so only those with a leading or
    trailing space are trimmed (same result, a third of the time on tens of
    millions of event rows).
-#}
{% macro duckdb__normalize_text(column) -%}
    nullif(case when {{ column }} like ' %' or {{ column }} like '% ' then trim({{ column }}) else {{ column }} end, '')
{%- endmacro %}

{#-
    The integer key of the customer an email belongs to: the first 63 bits of
    the MD5 of the normalized email (customer_id is the whole MD5 as text).
    Joins and aggregations over tens of millions of event rows run several
    times faster on it than on the 32-character customer_id. Two emails
    sharing a key (odds about 1 in 20 million at a million customers) would
    fail the unique test on customers.customer_key rather than merge people.
-#}
{% macro customer_key(email) -%}
    {{ return(adapter.dispatch('customer_key', 'audience_warehouse')(email)) }}
{%- endmacro %}

{% macro default__customer_key(email) -%}
    cast(conv(substring(md5({{ email }}), 1, 15), 16, 10) as bigint)
{%- endmacro %}

{#- md5_number is the digest as a 128-bit integer; md5_number_upper is several times slower. -#}
{% macro duckdb__customer_key(email) -%}
    cast(md5_number({{ email }}) >> 65 as bigint)
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
