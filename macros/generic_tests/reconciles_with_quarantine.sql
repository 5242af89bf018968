{#-
    Conservation of rows for one raw table: every raw row is either in the
    clean model or in the quarantine with a reason (duplicates included).
    Returns one row (with the three counts) when they do not add up.

    Arguments:
      clean_model       the model holding the clean rows of this table
      quarantine_model  the quarantine model (quarantined_records)
      source_table      the table's name in the quarantine's source_table column
      source_name       the source's name in the quarantine's source_name column
      clean_where       optional filter selecting the clean rows of clean_model
-#}
{% test reconciles_with_quarantine(model, clean_model, quarantine_model, source_name, source_table, clean_where=none) %}

with

raw_rows as (

    select count(*) as row_count from {{ model }}

),

clean_rows as (

    select count(*) as row_count from {{ clean_model }}
    {% if clean_where %}where {{ clean_where }}{% endif %}

),

quarantined_rows as (

    select
        sum(case when quarantine_reason = 'duplicate' then 0 else 1 end) as row_count,
        sum(case when quarantine_reason = 'duplicate' then 1 else 0 end) as duplicate_count

    from {{ quarantine_model }}
    where source_name = '{{ source_name }}'
        and source_table = '{{ source_table }}'

)

select
    raw_rows.row_count as raw_rows,
    clean_rows.row_count as clean_rows,
    coalesce(quarantined_rows.row_count, 0) as quarantined_rows,
    coalesce(quarantined_rows.duplicate_count, 0) as duplicate_rows

from raw_rows
cross join clean_rows
cross join quarantined_rows
where raw_rows.row_count
    <> clean_rows.row_count + coalesce(quarantined_rows.row_count, 0) + coalesce(quarantined_rows.duplicate_count, 0)

{% endtest %}
