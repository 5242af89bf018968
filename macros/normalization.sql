{#- Normalization shared by every staging model. -#}

{#-
    Lower-cased email with every Unicode white space (tab, newline, no-break
    space, ...) and every invisible format character (zero-width space and
    joiners, byte-order mark) removed, wherever it stands; blank becomes
    null. An address copied out of a spreadsheet or a web form still matches
    its person: an unsubscribe or erasure request it carries is honoured.
-#}
{% macro normalize_email(column) -%}
    {{ return(adapter.dispatch('normalize_email', 'audience_warehouse')(column)) }}
{%- endmacro %}

{#- RE2 (DuckDB) and POSIX-style engines: \s, vertical tab, NEL, separators (Z), format characters (Cf). -#}
{% macro default__normalize_email(column) -%}
    nullif(lower({{ remove_invisible_characters(column) }}), '')
{%- endmacro %}

{#-
    The regex costs half again the old trim on tens of millions of event
    rows, and nearly every address is plain ASCII without a space: only a
    value with a non-ASCII character (more bytes than characters) or an
    ASCII white space goes through it.
-#}
{% macro duckdb__normalize_email(column) -%}
    nullif(lower(
        case
            when strlen({{ column }}) <> length({{ column }})
                {%- for code in [32, 9, 10, 11, 12, 13] %}
                or contains({{ column }}, chr({{ code }}))
                {%- endfor %}
                then {{ remove_invisible_characters(column) }}
            else {{ column }}
        end
    ), '')
{%- endmacro %}

{% macro remove_invisible_characters(column) -%}
    regexp_replace({{ column }}, '[\s\x{0B}\x{85}\p{Z}\p{Cf}]+', '', 'g')
{%- endmacro %}

{#- Java regex; Spark SQL unescapes a backslash in a literal once, so each is doubled. -#}
{% macro spark__normalize_email(column) -%}
    nullif(lower(regexp_replace({{ column }}, '[\\s\\x{0B}\\x{85}\\p{Z}\\p{Cf}]+', '')), '')
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
    The integer key of the customer an email belongs to: the top 63 bits of
    the MD5 of the normalized email read as a little-endian 128-bit integer
    (DuckDB's md5_number), the same number on every engine (customer_id is
    the whole MD5 as text).
    Joins and aggregations over tens of millions of event rows run several
    times faster on it than on the 32-character customer_id. Two emails
    sharing a key (odds about 1 in 20 million at a million customers) would
    fail the unique test on customers.customer_key rather than merge people.
-#}
{% macro customer_key(email) -%}
    {{ return(adapter.dispatch('customer_key', 'audience_warehouse')(email)) }}
{%- endmacro %}

{#-
    Bytes 8 to 15 of the digest, highest first (hex digits 31-32, 29-30, ...,
    17-18), are the upper 64 bits of that integer; conv() reads them as an
    unsigned number and `div 2` drops the lowest bit.
-#}
{% macro default__customer_key(email) -%}
    cast(cast(conv(concat(
        {%- for start in range(31, 16, -2) %}
        substring(md5({{ email }}), {{ start }}, 2){{ "," if not loop.last }}
        {%- endfor %}
    ), 16, 10) as decimal(20, 0)) div 2 as bigint)
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

{#-
    DuckDB reads the texts '-infinity' / '-inf', 'infinity' / 'inf' and
    'epoch' (any case, trimmed) as the ends of time and 1970-01-01; Spark
    reads none of them. They are read as DuckDB reads them, so the
    quarantine rules agree: '-infinity' is an implausible date, 'infinity'
    a future timestamp.
-#}
{% macro spark__to_utc_timestamp(column) -%}
    case
        when lower(trim({{ column }})) in ('-infinity', '-inf') then timestamp '0001-01-01 00:00:00'
        when lower(trim({{ column }})) in ('infinity', 'inf') then timestamp '9999-12-31 23:59:59.999999'
        when lower(trim({{ column }})) = 'epoch' then timestamp '1970-01-01 00:00:00'
        else to_utc_timestamp(try_cast({{ column }} as timestamp), 'UTC')
    end
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
