{#-
    Conservation of rows for one raw table: every raw row is either in the
    clean model or in the quarantine with a reason (duplicates included).
    The totals are compared first (the raw count is Parquet metadata, so
    this is cheap); only when they do not add up are the rows compared load
    by load, so the failure names the loads (`_loaded_at`, null for rows the
    connector gave no load time) whose rows do not add up, with the four
    counts. Failing rows are also stored in the warehouse (schema
    test_failures) for a user to read without SQL of their own.

    Arguments:
      clean_model       the model holding the clean rows of this table
      quarantine_model  the quarantine model (quarantined_records)
      source_table      the table's name in the quarantine's source_table column
      source_name       the source's name in the quarantine's source_name column
      clean_where       optional filter selecting the clean rows of clean_model
-#}
{% test reconciles_with_quarantine(model, clean_model, quarantine_model, source_name, source_table, clean_where=none) %}

{{ config(store_failures=true, schema='test_failures') }}

{%- set totals = reconciliation_counts(
    model, clean_model, quarantine_model, source_name, source_table, clean_where, by_load=false
) -%}
{%- set by_load = execute and run_query(totals).rows | length > 0 -%}

{{ reconciliation_counts(model, clean_model, quarantine_model, source_name, source_table, clean_where, by_load) }}

{% endtest %}

{#- The counts that do not add up: per load with by_load, else the table's totals (no row when they do). -#}
{% macro reconciliation_counts(model, clean_model, quarantine_model, source_name, source_table, clean_where, by_load) %}

{%- set load = '_loaded_at as loaded_at, ' if by_load else '' -%}

with

raw_rows as (

    select {{ load }}count(*) as row_count
    from {{ model }}
    {% if by_load %}group by _loaded_at{% endif %}

),

clean_rows as (

    select {{ load }}count(*) as row_count
    from {{ clean_model }}
    {% if clean_where %}where {{ clean_where }}{% endif %}
    {% if by_load %}group by _loaded_at{% endif %}

),

quarantined_rows as (

    select
        {% if by_load %}loaded_at,{% endif %}
        sum(case when quarantine_reason = 'duplicate' then 0 else 1 end) as row_count,
        sum(case when quarantine_reason = 'duplicate' then 1 else 0 end) as duplicate_count

    from {{ quarantine_model }}
    where source_name = '{{ source_name }}'
        and source_table = '{{ source_table }}'
    {% if by_load %}group by loaded_at{% endif %}

),

compared as (

    select
        {% if by_load -%}
        coalesce(raw_rows.loaded_at, clean_rows.loaded_at, quarantined_rows.loaded_at) as loaded_at,
        {% endif -%}
        coalesce(raw_rows.row_count, 0) as raw_rows,
        coalesce(clean_rows.row_count, 0) as clean_rows,
        coalesce(quarantined_rows.row_count, 0) as quarantined_rows,
        coalesce(quarantined_rows.duplicate_count, 0) as duplicate_rows

    from raw_rows
    {% if by_load -%}
    full outer join clean_rows
        on raw_rows.loaded_at is not distinct from clean_rows.loaded_at
    full outer join quarantined_rows
        on coalesce(raw_rows.loaded_at, clean_rows.loaded_at) is not distinct from quarantined_rows.loaded_at
    {%- else -%}
    cross join clean_rows
    cross join quarantined_rows
    {%- endif %}

)

select *
from compared
where raw_rows <> clean_rows + quarantined_rows + duplicate_rows

{% endmacro %}
