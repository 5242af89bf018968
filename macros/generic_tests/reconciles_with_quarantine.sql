{#-
    Conservation of rows for one raw table: every raw row is either in the
    clean model or in the quarantine with a reason (duplicates included).
    Compared load by load, so a failure names the loads (`_loaded_at`, null
    for rows the connector gave no load time) whose rows do not add up, with
    the four counts; the failing rows are also stored in the warehouse
    (schema test_failures) for a user to read without SQL of their own.

    Arguments:
      clean_model       the model holding the clean rows of this table
      quarantine_model  the quarantine model (quarantined_records)
      source_table      the table's name in the quarantine's source_table column
      source_name       the source's name in the quarantine's source_name column
      clean_where       optional filter selecting the clean rows of clean_model
-#}
{% test reconciles_with_quarantine(model, clean_model, quarantine_model, source_name, source_table, clean_where=none) %}

{{ config(store_failures=true, schema='test_failures') }}

with

raw_rows as (

    select _loaded_at as loaded_at, count(*) as row_count
    from {{ model }}
    group by _loaded_at

),

clean_rows as (

    select _loaded_at as loaded_at, count(*) as row_count
    from {{ clean_model }}
    {% if clean_where %}where {{ clean_where }}{% endif %}
    group by _loaded_at

),

quarantined_rows as (

    select
        loaded_at,
        sum(case when quarantine_reason = 'duplicate' then 0 else 1 end) as row_count,
        sum(case when quarantine_reason = 'duplicate' then 1 else 0 end) as duplicate_count

    from {{ quarantine_model }}
    where source_name = '{{ source_name }}'
        and source_table = '{{ source_table }}'
    group by loaded_at

),

compared as (

    select
        coalesce(raw_rows.loaded_at, clean_rows.loaded_at, quarantined_rows.loaded_at) as loaded_at,
        coalesce(raw_rows.row_count, 0) as raw_rows,
        coalesce(clean_rows.row_count, 0) as clean_rows,
        coalesce(quarantined_rows.row_count, 0) as quarantined_rows,
        coalesce(quarantined_rows.duplicate_count, 0) as duplicate_rows

    from raw_rows
    full outer join clean_rows
        on raw_rows.loaded_at is not distinct from clean_rows.loaded_at
    full outer join quarantined_rows
        on coalesce(raw_rows.loaded_at, clean_rows.loaded_at) is not distinct from quarantined_rows.loaded_at

)

select *
from compared
where raw_rows <> clean_rows + quarantined_rows + duplicate_rows

{% endtest %}
