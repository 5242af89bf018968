{#-
    Row-level validation used by staging models. Each macro returns a
    quarantine reason code (text) when the row fails, else null, so a model
    combines them with coalesce() in priority order.
-#}

{#-
    True when the whole text matches the regular expression `pattern`, given
    as written (each adapter quotes it as its SQL string literals need).
-#}
{% macro regex_full_match(column, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'audience_warehouse')(column, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(column, pattern) -%}
    regexp_like({{ column }}, '{{ pattern | replace("'", "''") }}')
{%- endmacro %}

{% macro duckdb__regex_full_match(column, pattern) -%}
    regexp_full_match({{ column }}, '{{ pattern | replace("'", "''") }}')
{%- endmacro %}

{#-
    Spark unescapes backslashes in string literals ('\.' would reach the
    regex as '.', any character) and reads '' as two adjacent literals (an
    apostrophe would vanish): both are escaped with a backslash. rlike
    matches anywhere, so the pattern is anchored.
-#}
{% macro spark__regex_full_match(column, pattern) -%}
    ({{ column }} rlike '^(?:{{ pattern | replace("\\", "\\\\") | replace("'", "\\'") }})$')
{%- endmacro %}

{#- True when a normalized email is syntactically valid. -#}
{% macro is_valid_email(column) -%}
    {{ regex_full_match(column, var('valid_email_pattern')) }}
{%- endmacro %}

{#- True when a normalized email belongs to an internal test domain. -#}
{% macro is_test_email(column) -%}
    {{ dbt.split_part(column, "'@'", 2) }} in (
        {%- for domain in var('test_email_domains') -%}
            '{{ domain }}'{{ ", " if not loop.last }}
        {%- endfor -%}
    )
{%- endmacro %}

{#-
    'email_too_long', 'invalid_email' or 'test_account' for a normalized
    email, else null. RFC 5321 caps an address at 254 characters; a longer
    value is checked first (and never reaches the pattern). With
    required=false a null email is fine (e.g. an anonymous web event).
-#}
{% macro email_issue(column, required=true) -%}
    case
        {%- if required %}
        when {{ column }} is null then 'invalid_email'
        {%- endif %}
        when {{ dbt.length(column) }} > 254 then 'email_too_long'
        when {{ column }} is not null and not {{ is_valid_email(column) }} then 'invalid_email'
        when {{ column }} is not null and {{ is_test_email(column) }} then 'test_account'
    end
{%- endmacro %}

{#-
    'missing_timestamp', 'unparseable_timestamp', 'implausible_date' or
    'future_timestamp' for a raw text timestamp, else null. "Future" means
    later than the moment the row was loaded, beyond the var
    future_timestamp_tolerance_hours; "implausible" earlier than the var
    earliest_plausible_date (a '-infinity' or a year 1900 that a source
    system wrote for "unknown"). Each branch of a case parses the text
    again, so the usual row (parsed and in range) is settled by the first
    comparison: one parse instead of three on tens of millions of events. A
    null loaded_at flags nothing here (loaded_at_issue reports it).
-#}
{% macro timestamp_issue(raw_column, loaded_at='_loaded_at') -%}
    {%- set latest_valid = dbt.dateadd('hour', var('future_timestamp_tolerance_hours'), loaded_at) -%}
    {%- set earliest_valid = earliest_plausible_timestamp() -%}
    case
        when {{ normalize_text(raw_column) }} is null then 'missing_timestamp'
        when coalesce({{ to_utc_timestamp(raw_column) }} between {{ earliest_valid }} and {{ latest_valid }}, false)
            then null
        when {{ to_utc_timestamp(raw_column) }} is null then 'unparseable_timestamp'
        when {{ to_utc_timestamp(raw_column) }} < {{ earliest_valid }} then 'implausible_date'
        when {{ loaded_at }} is not null then 'future_timestamp'
    end
{%- endmacro %}

{#- The var earliest_plausible_date as a timestamp: event times before it are implausible. -#}
{% macro earliest_plausible_timestamp() -%}
    cast('{{ var('earliest_plausible_date') }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#-
    'implausible_date' when a text timestamp that is not an event's own time
    (a creation time, a scheduled send) parses to a moment before
    earliest_plausible_date; such a time is not otherwise required.
-#}
{% macro implausible_date_issue(raw_column) -%}
    case
        when {{ to_utc_timestamp(raw_column) }} < {{ earliest_plausible_timestamp() }}
            then 'implausible_date'
    end
{%- endmacro %}

{#-
    'missing_loaded_at' or 'future_loaded_at' when the connector's load
    time cannot be trusted: null, or later than the moment the query runs
    plus future_timestamp_tolerance_hours (a clock years ahead). Such a row
    is quarantined in full and incremental builds alike and never moves the
    incremental high-water mark (macros/incremental.sql).
-#}
{% macro loaded_at_issue(loaded_at='_loaded_at') -%}
    case
        when {{ loaded_at }} is null then 'missing_loaded_at'
        when {{ loaded_at }} > {{ dbt.dateadd('hour', var('future_timestamp_tolerance_hours'), build_started_at()) }}
            then 'future_loaded_at'
    end
{%- endmacro %}

{#-
    A quarantine reason for a number: 'non_finite_amount' (NaN, +-infinity),
    'implausible_amount' (beyond +-max_plausible_amount, e.g. 1e30) or
    'non_positive_amount' (null, negative, or zero unless allow_zero).
    Non-finite is checked first: NaN compares greater than every number, so
    it would pass a "<= 0" check.
-#}
{% macro amount_issue(column, allow_zero=false) -%}
    case
        when {{ column }} is null then 'non_positive_amount'
        when not {{ is_finite(column) }} then 'non_finite_amount'
        when abs({{ column }}) > {{ var('max_plausible_amount') }} then 'implausible_amount'
        when {{ column }} {{ '<' if allow_zero else '<=' }} 0 then 'non_positive_amount'
    end
{%- endmacro %}

{#-
    The number cast to the warehouse's numeric type when it is finite and
    within +-max_plausible_amount, else null: casting NaN, infinity or 1e30
    to a decimal would stop the build (the row is quarantined by
    amount_issue instead).
-#}
{% macro plausible_amount(column) -%}
    cast(
        case when {{ is_finite(column) }} and abs({{ column }}) <= {{ var('max_plausible_amount') }} then {{ column }} end
        as {{ dbt.type_numeric() }}
    )
{%- endmacro %}

{% macro is_finite(column) -%}
    {{ return(adapter.dispatch('is_finite', 'audience_warehouse')(column)) }}
{%- endmacro %}

{% macro default__is_finite(column) -%}
    ({{ column }} = {{ column }} and abs({{ column }}) < cast('Infinity' as double))
{%- endmacro %}

{% macro duckdb__is_finite(column) -%}
    isfinite({{ column }})
{%- endmacro %}

{% macro spark__is_finite(column) -%}
    (not isnan({{ column }}) and abs({{ column }}) < double('infinity'))
{%- endmacro %}

{#-
    `reason` when a normalized code is not one of `values` (a var's list),
    a null code included: one unknown status never fails a test downstream.
-#}
{% macro enum_issue(column, values, reason) -%}
    case
        when coalesce({{ column }}, '') not in (
            {%- for value in values -%}
                '{{ value }}'{{ ", " if not loop.last }}
            {%- endfor -%}
        ) then '{{ reason }}'
    end
{%- endmacro %}

{#- 'missing_key' when any of the key columns is null. -#}
{% macro key_issue(columns) -%}
    case
        when {% for column in columns %}{{ column }} is null{{ " or " if not loop.last }}{% endfor %}
            then 'missing_key'
    end
{%- endmacro %}

{#-
    Rank the rows of each key so the survivor comes first: rows that passed
    every check before rows that did not, then the latest load, then the
    extra tie-breakers. The survivor is the one clean row kept per key; clean
    rows ranked after it are duplicates. A row without a key has nothing to
    be ranked against: its rank is null (and it is quarantined as
    missing_key), the same whichever run loaded it.
-#}
{% macro survivor_rank(key_columns, failed_check, tie_breakers=[]) -%}
    case when {% for column in key_columns %}{{ column }} is not null{{ " and " if not loop.last }}{% endfor %} then
        row_number() over (
            partition by {{ key_columns | join(', ') }}
            order by
                case when {{ failed_check }} is null then 0 else 1 end,
                _loaded_at desc
                {%- for column in tie_breakers %},
                {{ column }}
                {%- endfor %}
        )
    end
{%- endmacro %}

{#-
    The quarantine verdict for every row of `relation`: all its columns plus
    `survivor_rank` (1 = the row kept for its key) and `quarantine_reason`:
    the row's failed check, 'duplicate' for a clean row that lost to a later
    delivery of the same key, or null for the one clean row kept per key.
-#}
{% macro quarantine_verdict(relation, key_columns, failed_check='invalid_reason', tie_breakers=[]) -%}
    select
        *,
        coalesce({{ failed_check }}, case when survivor_rank > 1 then 'duplicate' end) as quarantine_reason
    from (
        select
            *,
            {{ survivor_rank(key_columns, failed_check, tie_breakers) }} as survivor_rank
        from {{ relation }}
    ) as ranked
{%- endmacro %}
