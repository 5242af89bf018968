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
    Post-hook of an append-only log: write its last `keep_days` days (the
    as-of date included) as one folder per day, <exports dir>/<table>/
    <day_column>=<day>/ with Parquet and CSV files (read back with hive
    partitioning); the table keeps the whole history. A build writes only
    the days whose rows changed: the as-of date and later (where it appends),
    any earlier day whose row count differs from its files (erased people's
    rows deleted since, or a day never written), and the day that leaves the
    window (left with empty files). A full refresh writes every day. A day
    is written by clearing its folder first: COPY's overwrite unlinks the
    old files, so an earlier export version holding links to them keeps
    them. Run after the hook that deletes erased rows.
-#}
{% macro export_days_to_files(timestamp_column, day_column, keep_days) -%}
    {%- set folder = exports_dir() ~ '/' ~ this.identifier -%}
    {%- set day = 'cast(' ~ timestamp_column ~ ' as date)' -%}
    {%- set first_kept_day -%}
        (select {{ dbt.dateadd('day', 1 - keep_days, 'as_of_date') }} from {{ ref('int_as_of_date') }})
    {%- endset -%}
    {%- set has_files = false -%}
    {%- if execute -%}
        {%- set listing = run_query("select count(*) > 0 from glob('" ~ folder ~ "/*/*.parquet')") -%}
        {%- set has_files = listing.columns[0].values()[0] -%}
    {%- endif -%}
    {%- if not has_files %}
    {#-
        the first build: the partitioned write creates the folders; the
        Parquet write clears the table's folder, the CSV write adds to it
    -#}
    {%- for format in ['parquet', 'csv'] %}
    copy (
        select *, {{ day }} as {{ day_column }}
        from {{ this }}
        where {{ day }} >= {{ first_kept_day }}
    ) to '{{ folder }}' (
        format {{ format }}{{ ', header true' if format == 'csv' }}, partition_by ({{ day_column }}),
        {{ 'overwrite' if format == 'parquet' else 'overwrite_or_ignore' }} true
    );
    {%- endfor %}
    {%- else -%}
        {%- set days_to_write_query -%}
            with

            stored as (
                select {{ day }} as day, count(*) as row_count
                from {{ this }}
                where {{ day }} >= {{ first_kept_day }}
                group by all
            ),

            exported as (
                select cast({{ day_column }} as date) as day, count(*) as row_count
                from read_parquet('{{ folder }}/*/*.parquet', hive_partitioning = true)
                group by all
            )

            select
                coalesce(stored.day, exported.day) as day,
                coalesce(stored.day, exported.day) >= {{ first_kept_day }} as is_kept

            from stored
            full outer join exported
                on stored.day = exported.day
            {%- if not flags.FULL_REFRESH %}
            where stored.row_count is distinct from exported.row_count
                or coalesce(stored.day, exported.day) >= (select as_of_date from {{ ref('int_as_of_date') }})
            {%- endif %}
            order by day
        {%- endset -%}
        {%- for row in run_query(days_to_write_query).rows -%}
            {#- a range on the column itself, so DuckDB skips the row groups of other days -#}
            {%- set day_start = "cast('" ~ row[0] ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
            {%- set rows_of_day -%}
                select * from {{ this }}
                where {{ timestamp_column }} >= {{ day_start }}
                    and {{ timestamp_column }} < {{ dbt.dateadd('day', 1, day_start) }}
                    {%- if not row[1] %}
                    and false
                    {%- endif %}
            {%- endset %}
    {#- the Parquet write clears the day's folder (and creates it), the CSV write adds to it #}
    copy ({{ rows_of_day }})
        to '{{ folder }}/{{ day_column }}={{ row[0] }}' (format parquet, per_thread_output true, overwrite true);
    copy ({{ rows_of_day }})
        to '{{ folder }}/{{ day_column }}={{ row[0] }}' (format csv, header true, per_thread_output true, overwrite_or_ignore true);
        {%- endfor -%}
    {%- endif %}
{%- endmacro %}
