{#-
    The rows a snapshot build changes (dbt's staging table): the same rows,
    in the same columns and order, as dbt's default__snapshot_staging_table,
    from one join of the source with the current versions instead of three
    (its insertions, updates and deletes each join the two again, and
    DuckDB materializes both sides first). Every build of a snapshot runs
    it over all current versions (what each form costs: bench/README.md).

    A source row without a current version is an insert; a current version
    without a source row is a delete (hard_deletes = 'invalidate'); a row in
    both whose check columns (or updated_at) changed is an insert of the new
    version and an update that closes the old one. Which side a row came
    from is told by a marker column, so a row whose key is null (it joins
    nothing) is classed as dbt's joins class it.
    Configurations this form does not cover (hard_deletes = 'new_record',
    dbt_valid_to_current) get dbt's own macro. The override is picked by
    adapter.dispatch, which looks in the root project first; dbt-core is
    pinned below 1.12, and tests_py/test_snapshot_staging.py compares the
    two forms row for row on a snapshot with every kind of change.
-#}
{% macro duckdb__snapshot_staging_table(strategy, source_sql, target_relation) -%}
    {{ snapshot_staging_by_one_join(strategy, source_sql, target_relation) }}
{%- endmacro %}

{% macro spark__snapshot_staging_table(strategy, source_sql, target_relation) -%}
    {{ snapshot_staging_by_one_join(strategy, source_sql, target_relation) }}
{%- endmacro %}

{% macro snapshot_staging_by_one_join(strategy, source_sql, target_relation) -%}
    {%- if strategy.hard_deletes == 'new_record' or config.get('dbt_valid_to_current') -%}
        {{ return(default__snapshot_staging_table(strategy, source_sql, target_relation)) }}
    {%- endif -%}
    {%- set columns = config.get('snapshot_table_column_names') or get_snapshot_table_column_names() -%}
    {%- set invalidate = strategy.hard_deletes == 'invalidate' -%}
    {%- set source_columns = get_columns_in_query(source_sql) -%}
    {%- if strategy.unique_key | is_list -%}
        {%- set key_columns = [] -%}
        {%- for key in strategy.unique_key -%}
            {%- do key_columns.append('dbt_unique_key_' ~ loop.index) -%}
        {%- endfor -%}
    {%- else -%}
        {%- set key_columns = ['dbt_unique_key'] -%}
    {%- endif -%}
    {%- set carried = [] -%}
    {%- for column in source_columns -%}
        {%- do carried.append(adapter.quote(column)) -%}
    {%- endfor -%}
    {%- set carried = carried + key_columns -%}

    with snapshot_query as (

        {{ source_sql }}

    ),

    source_data as (

        select *, {{ unique_key_fields(strategy.unique_key) }}, true as dbt_in_source
        from snapshot_query

    ),

    snapshotted_data as (

        select *, {{ unique_key_fields(strategy.unique_key) }}, true as dbt_in_snapshot
        from {{ target_relation }}
        where {{ columns.dbt_valid_to }} is null

    ),

    changes as (

        select
            case
                when snapshotted_data.dbt_in_snapshot is null then 'new'
                when source_data.dbt_in_source is null then 'gone'
                else 'changed'
            end as dbt_change_kind,
            {%- for column in carried %}
            source_data.{{ column }},
            {%- endfor %}
            snapshotted_data.{{ columns.dbt_scd_id }} as dbt_current_scd_id

        from source_data
        {{ 'full outer' if invalidate else 'left outer' }} join snapshotted_data
            on {{ unique_key_join_on(strategy.unique_key, "snapshotted_data", "source_data") }}
        where snapshotted_data.dbt_in_snapshot is null
            {%- if invalidate %}
            or source_data.dbt_in_source is null
            {%- endif %}
            or ({{ strategy.row_changed }})

    )

    select
        'insert' as dbt_change_type,
        {{ carried | join(', ') }},
        {{ strategy.updated_at }} as {{ columns.dbt_updated_at }},
        {{ strategy.updated_at }} as {{ columns.dbt_valid_from }},
        {{ get_dbt_valid_to_current(strategy, columns) }},
        {{ strategy.scd_id }} as {{ columns.dbt_scd_id }}
    from changes
    where dbt_change_kind in ('new', 'changed')

    union all

    select
        'update' as dbt_change_type,
        {{ carried | join(', ') }},
        {{ strategy.updated_at }} as {{ columns.dbt_updated_at }},
        {{ strategy.updated_at }} as {{ columns.dbt_valid_from }},
        {{ strategy.updated_at }} as {{ columns.dbt_valid_to }},
        dbt_current_scd_id as {{ columns.dbt_scd_id }}
    from changes
    where dbt_change_kind = 'changed'
    {%- if invalidate %}

    union all

    select
        'delete' as dbt_change_type,
        {{ carried | join(', ') }},
        {{ snapshot_get_time() }} as {{ columns.dbt_updated_at }},
        {{ snapshot_get_time() }} as {{ columns.dbt_valid_from }},
        {{ snapshot_get_time() }} as {{ columns.dbt_valid_to }},
        dbt_current_scd_id as {{ columns.dbt_scd_id }}
    from changes
    where dbt_change_kind = 'gone'
    {%- endif %}

{%- endmacro %}
