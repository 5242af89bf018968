{#-
    Row-level validation used by staging models. Each macro returns a
    quarantine reason code (text) when the row fails, else null, so a model
    combines them with coalesce() in priority order.
-#}

{% macro regex_full_match(column, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'audience_warehouse')(column, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(column, pattern) -%}
    regexp_like({{ column }}, '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__regex_full_match(column, pattern) -%}
    regexp_full_match({{ column }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__regex_full_match(column, pattern) -%}
    ({{ column }} rlike '{{ pattern }}')
{%- endmacro %}

{#- True when a normalized email is syntactically valid. -#}
{% macro is_valid_email(column) -%}
    {{ regex_full_match(column, var('valid_email_pattern') | replace("'", "''")) }}
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
    'invalid_email' or 'test_account' for a normalized email, else null.
    With required=false a null email is fine (e.g. an anonymous web event).
-#}
{% macro email_issue(column, required=true) -%}
    case
        {%- if required %}
        when {{ column }} is null then 'invalid_email'
        {%- endif %}
        when {{ column }} is not null and not {{ is_valid_email(column) }} then 'invalid_email'
        when {{ column }} is not null and {{ is_test_email(column) }} then 'test_account'
    end
{%- endmacro %}

{#-
    'missing_timestamp', 'unparseable_timestamp' or 'future_timestamp' for a
    raw text timestamp, else null. "Future" means later than the moment the
    row was loaded, beyond the var future_timestamp_tolerance_hours. Each
    branch of a case parses the text again, so the usual row (parsed and on
    time) is settled by the first comparison: one parse instead of three on
    tens of millions of events. A null loaded_at flags nothing.
-#}
{% macro timestamp_issue(raw_column, loaded_at='_loaded_at') -%}
    {%- set latest_valid = dbt.dateadd('hour', var('future_timestamp_tolerance_hours'), loaded_at) -%}
    case
        when {{ normalize_text(raw_column) }} is null then 'missing_timestamp'
        when coalesce({{ to_utc_timestamp(raw_column) }} <= {{ latest_valid }}, false) then null
        when {{ to_utc_timestamp(raw_column) }} is null then 'unparseable_timestamp'
        when {{ loaded_at }} is not null then 'future_timestamp'
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
