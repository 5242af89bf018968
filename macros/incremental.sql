{#-
    Incremental runs re-read the rows loaded since a window start: the latest
    _loaded_at already in the model, never later than this build's time
    (`build_time()`: a load time in the future would otherwise hide every
    later day), minus the var incremental_lookback_hours (for connectors that
    commit out of order). The start is computed when the model compiles, and
    written into the SQL as a literal, so the raw Parquet reader skips every
    row group loaded before it (the raw tables are append-only, in load
    order); the pre-hook that removes the rows to re-read computes it again,
    from the same build time, so both find the same start. None on a full
    build, and when the model holds no load time up to the build time.
-#}
{% macro reload_window_start(relation=none, column='_loaded_at') -%}
    {%- if not (execute and is_incremental()) -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(hours_before_latest_load(relation if relation is not none else this, var('incremental_lookback_hours'), column)) }}
{%- endmacro %}

{#-
    A timestamp literal: `hours` before the latest `column` of `relation`
    that is not later than this build's time (a load time in the future
    would otherwise hide every later load). None when the relation has no
    load time up to then. Run when the node runs (it queries the relation).
    The build's time is one for the whole invocation, not the query's clock:
    with loads stamped ahead of the clock, two calls a moment apart would
    otherwise find different latest loads.
-#}
{% macro hours_before_latest_load(relation, hours, column='_loaded_at') -%}
    {%- set latest_trusted -%}
        max(case when {{ column }} <= {{ build_time() }} then {{ column }} end)
    {%- endset -%}
    {%- set query -%}
        select {{ dbt.dateadd('hour', -1 * hours, latest_trusted) }}
        from {{ relation }}
    {%- endset -%}
    {%- set latest = run_query(query).columns[0].values()[0] -%}
    {%- if latest is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return("cast('" ~ latest ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
{%- endmacro %}

{#-
    A where-clause condition: loaded since the window start (always true on a
    full build). Rows without a load time are read by every run, as a full
    build reads them (they are quarantined as missing_loaded_at); DuckDB
    still skips the Parquet row groups without nulls.
-#}
{% macro loaded_since(window_start, column='_loaded_at') -%}
    {%- if window_start is none -%}
        true
    {%- else -%}
        ({{ column }} >= {{ window_start }} or {{ column }} is null)
    {%- endif -%}
{%- endmacro %}

{#-
    The moment a query runs, as a UTC timestamp without time zone (the
    transaction's start on DuckDB): for the staging views' check of load
    times, which must hold whenever a view is read, not when it was created.
-#}
{% macro build_started_at() -%}
    {{ return(adapter.dispatch('build_started_at', 'audience_warehouse')()) }}
{%- endmacro %}

{% macro default__build_started_at() -%}
    cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__build_started_at() -%}
    cast(get_current_timestamp() at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro spark__build_started_at() -%}
    to_utc_timestamp(current_timestamp(), current_timezone())
{%- endmacro %}

{#-
    Pre-hook of the validated models: the rows loaded since the window start
    are read again from the source, so the copies an earlier run stored are
    removed first (a raw row has no id of its own; re-reading must not store
    it twice). Without a window start (no stored load time up to the build
    time) the run reads every row again, so every stored row is removed.
-#}
{% macro delete_rows_to_reload() -%}
    {%- if execute and is_incremental() -%}
    delete from {{ this }} where {{ loaded_since(reload_window_start()) }}
    {%- endif -%}
{%- endmacro %}

{#-
    The rows a validated model ranks in this run. A full build: every row of
    the staging model. An incremental run: the rows loaded since the window
    start, plus every earlier row of their keys (a new delivery can demote
    the survivor to a duplicate, so all rows of a key are ranked together)
    and of keys whose verdict depends on data that may have arrived since
    (`recheck_reasons`: a late parent resolving an orphan, say), and of keys
    listed by the query `more_keys`. Earlier rows are read back from the
    model itself with the staging model's columns.

    The rows are materialized before the model ranks them: inlined, DuckDB
    ran the read-back join inside the ranking window's pipeline at a third of
    the speed (bench/README.md).
-#}
{% macro rows_to_validate(staging, key, window_start, recheck_reasons=[], more_keys=none) -%}
    {%- if is_incremental() and window_start is not none %}
    with rows_to_rank as {{ materialized_cte() }} (

        select * from {{ staging }}
        where {{ loaded_since(window_start) }}

        union all

        select {{ star(staging) }}
        from {{ this }}
        where {{ key }} in (
            select {{ key }} from {{ staging }} where {{ loaded_since(window_start) }}
            {%- if recheck_reasons %}
            union all
            select {{ key }} from {{ this }}
            where quarantine_reason in ({% for reason in recheck_reasons %}'{{ reason }}'{{ ", " if not loop.last }}{% endfor %})
            {%- endif %}
            {%- if more_keys %}
            union all
            {{ more_keys }}
            {%- endif %}
        )

    )

    select * from rows_to_rank
    {%- else %}
    select * from {{ staging }}
    {%- endif %}
{%- endmacro %}

{#-
    Pre-hook for history models keyed by as-of date: a rebuild of an as-of
    date (or an earlier one) first removes what earlier builds wrote for it
    and later dates, so the new rows replace them instead of piling up.
-#}
{% macro delete_rows_from_as_of_date(date_column) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where {{ date_column }} >= {{ as_of_literal('as_of_date') }}
    {%- endif -%}
{%- endmacro %}

{#-
    The build's as-of date (`as_of_date`) or cut-off timestamp (`as_of_at`)
    as a SQL literal, read from int_as_of_date when the hook runs: Delta's
    DELETE and UPDATE take no subquery, and a literal lets every engine
    prune by it.
-#}
{% macro as_of_literal(column) -%}
    {%- if not execute -%}
        {{ return("null") }}
    {%- endif -%}
    {%- set value = run_query('select ' ~ column ~ ' from ' ~ ref('int_as_of_date')).columns[0].values()[0] -%}
    {%- set type = dbt.type_timestamp() if column in ('as_of_at', 'as_of_cutoff_at') else 'date' -%}
    {{ return("cast('" ~ value ~ "' as " ~ type ~ ")") }}
{%- endmacro %}

{#-
    Pre-hook of the as-of-dated snapshots. Builds normally move forward in
    as-of dates and this does nothing. When a date is built again (late data,
    a changed threshold), the versions that build wrote are removed and the
    versions it closed are reopened first, so the new build replaces them
    instead of adding a second version with the same start. The delete runs
    here, the update is the hook's statement (one statement per call on Spark).
-#}
{% macro rewind_snapshot_to_as_of_date() -%}
    {%- set existing = adapter.get_relation(this.database, this.schema, this.identifier) -%}
    {%- if existing is not none and execute -%}
    {%- set as_of_at = as_of_literal('as_of_at') -%}
    {%- do run_query('delete from ' ~ this ~ ' where dbt_valid_from >= ' ~ as_of_at) -%}
    update {{ this }}
    set dbt_valid_to = null
    where dbt_valid_to >= {{ as_of_at }}
    {%- endif -%}
{%- endmacro %}

{#-
    Filter of the email-event aggregates on an incremental run: the events
    loaded since the window start, and the events of campaigns that arrived
    since (a late campaign turns its orphaned events valid). Nothing on a
    full build (window_start none).
-#}
{% macro email_events_changed_since(window_start) -%}
    {%- if window_start is not none -%}
    and (
        {{ loaded_since(window_start) }}
        or campaign_id in (select campaign_id from {{ ref('int_campaigns_validated') }} where {{ loaded_since(window_start) }})
    )
    {%- endif -%}
{%- endmacro %}

{#-
    Pre-hook of a row-level model merged by key from an upstream model
    whose rows are loaded in order (e.g. a fact view): removes the stored
    rows of every key upstream loaded since this model's window start, and
    every row at or after the as-of cut-off (`cutoff_column`: a date moved
    back). The run then inserts again what those keys give now, so a key
    whose new delivery no longer qualifies (another event type, after the
    cut-off) leaves no stale row behind. The window start is computed before
    the delete, as the model's own query computes it when it compiles.
-#}
{% macro delete_reloaded_keys(key, upstream, cutoff_column) -%}
    {%- if execute and is_incremental() -%}
    {%- set window_start = reload_window_start() -%}
    {%- do run_query('delete from ' ~ this ~ ' where ' ~ cutoff_column ~ ' >= ' ~ as_of_literal('as_of_cutoff_at')) -%}
    {{ delete_rows_with_keys_in(key, 'select ' ~ key ~ ' from ' ~ upstream ~ ' where ' ~ loaded_since(window_start)) }}
    {%- endif -%}
{%- endmacro %}

{#-
    A statement deleting the rows of `relation` (this model's by default)
    whose key the query returns: `keys` is a column or a list of columns, and
    the query returns them by those names. Delta's DELETE takes no subquery:
    on Spark a MERGE deletes the matches.
-#}
{% macro delete_rows_with_keys_in(keys, query, relation=none) -%}
    {%- set keys = [keys] if keys is string else keys -%}
    {{ return(adapter.dispatch('delete_rows_with_keys_in', 'audience_warehouse')(keys, query, relation if relation is not none else this)) }}
{%- endmacro %}

{% macro default__delete_rows_with_keys_in(keys, query, relation) -%}
    delete from {{ relation }} where ({{ keys | join(', ') }}) in ({{ query }})
{%- endmacro %}

{% macro spark__delete_rows_with_keys_in(keys, query, relation) -%}
    merge into {{ relation }} as stored
    using (select distinct {{ keys | join(', ') }} from ({{ query }}) as keys) as incoming
    on {% for key in keys %}stored.{{ key }} = incoming.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
    when matched then delete
{%- endmacro %}
