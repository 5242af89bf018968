{#-
    Post-hook of the activation tables: write the table just built to
    <exports dir>/<table>.parquet and .csv for syncs and tools that read
    files. The folder is AUDIENCE_EXPORTS_DIR (default exports/, created
    when dbt opens the warehouse, see src/audience/dbt_plugin.py).
-#}
{% macro exports_dir() -%}
    {{ return(env_var('AUDIENCE_EXPORTS_DIR', 'exports')) }}
{%- endmacro %}

{% macro export_to_files(formats=['parquet', 'csv']) -%}
    {%- for format in formats %}
    copy (select * from {{ this }}) to '{{ exports_dir() }}/{{ this.identifier }}.{{ format }}'
        (format {{ format }}{{ ', header true' if format == 'csv' }});
    {%- endfor %}
{%- endmacro %}

{#-
    Post-hook of an append-only log: write it as one folder per day,
    <exports dir>/<table>/<day_column>=<day>/ with Parquet and CSV files
    (read back with hive partitioning), and write only the days whose rows
    changed: the as-of date and later (where a build appends) and any
    earlier day whose row count differs from its files (erased people's
    rows deleted since, or a day never written). A full refresh, or a table
    without files yet, writes every day. A day is written by clearing its
    folder first (COPY's overwrite unlinks the old files, so an earlier
    export version holding links to them keeps them); a day left with no
    rows keeps empty files. Run after the hook that deletes erased rows.
-#}
{% macro export_days_to_files(timestamp_column, day_column) -%}
    {%- set folder = exports_dir() ~ '/' ~ this.identifier -%}
    {%- set day = 'cast(' ~ timestamp_column ~ ' as date)' -%}
    {%- set write_every_day = flags.FULL_REFRESH or not execute -%}
    {%- if not write_every_day -%}
        {%- set exported_files = run_query("select count(*) from glob('" ~ folder ~ "/*/*.parquet')") -%}
        {%- set write_every_day = exported_files.columns[0].values()[0] == 0 -%}
    {%- endif -%}
    {%- if write_every_day %}
    copy (select *, {{ day }} as {{ day_column }} from {{ this }})
        to '{{ folder }}' (format parquet, partition_by ({{ day_column }}), overwrite true);
    copy (select *, {{ day }} as {{ day_column }} from {{ this }})
        to '{{ folder }}' (format csv, header true, partition_by ({{ day_column }}), overwrite_or_ignore true);
    {%- else -%}
        {%- set changed_days_query -%}
            with

            stored as (
                select {{ day }} as day, count(*) as row_count
                from {{ this }}
                group by all
            ),

            exported as (
                select cast({{ day_column }} as date) as day, count(*) as row_count
                from read_parquet('{{ folder }}/*/*.parquet', hive_partitioning = true)
                group by all
            )

            select coalesce(stored.day, exported.day) as day
            from stored
            full outer join exported
                on stored.day = exported.day
            where stored.row_count is distinct from exported.row_count
                or coalesce(stored.day, exported.day) >= (select as_of_date from {{ ref('int_as_of_date') }})
            order by day
        {%- endset -%}
        {%- for changed_day in run_query(changed_days_query).columns[0].values() -%}
            {#- a range on the column itself, so DuckDB skips the row groups of other days -#}
            {%- set day_start = "cast('" ~ changed_day ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
            {%- set rows_of_day -%}
                select * from {{ this }}
                where {{ timestamp_column }} >= {{ day_start }}
                    and {{ timestamp_column }} < {{ dbt.dateadd('day', 1, day_start) }}
            {%- endset %}
    copy ({{ rows_of_day }})
        to '{{ folder }}/{{ day_column }}={{ changed_day }}' (format parquet, per_thread_output true, overwrite true);
    copy ({{ rows_of_day }})
        to '{{ folder }}/{{ day_column }}={{ changed_day }}' (format csv, header true, per_thread_output true, overwrite_or_ignore true);
        {%- endfor -%}
    {%- endif %}
{%- endmacro %}
