{#-
    dbt stamps a snapshot row that disappeared from its source with the wall
    clock. Our snapshots are dated by the build's as-of date instead (their
    updated_at is as_of_at), so a version closed because its row vanished is
    closed at the same as-of timestamp as every other change of that build,
    and a rebuild of the same date is reproducible. Snapshots that rely on
    this must declare `-- depends_on: {{ ref('int_as_of_date') }}`.
-#}
{% macro duckdb__snapshot_get_time() -%}
    (select as_of_at from {{ ref('int_as_of_date') }})
{%- endmacro %}

{#- Spark evaluates it once, as a literal (Delta's MERGE and UPDATE conditions take no subquery). -#}
{% macro spark__snapshot_get_time() -%}
    {{ as_of_literal('as_of_at') }}
{%- endmacro %}
