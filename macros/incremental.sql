{#-
    Where an incremental run starts reading: the latest _loaded_at already in
    the model minus the var incremental_lookback_hours. Rows loaded since then
    are re-processed; delete+insert on the unique key keeps that idempotent.
-#}
{% macro incremental_window_start(column='_loaded_at') -%}
    (
        select {{ dbt.dateadd('hour', -1 * var('incremental_lookback_hours'), 'max(' ~ column ~ ')') }}
        from {{ this }}
    )
{%- endmacro %}

{#-
    Post-hook for facts: remove rows of people who asked to be erased, also
    when their request arrives after the rows were loaded. `columns` maps an
    identity type of int_erased_identities (customer_id, anonymous_id) to the
    column holding it.
-#}
{% macro delete_erased_rows(columns) -%}
    delete from {{ this }}
    where {% for identity_type, column in columns.items() -%}
        {{ column }} in (
            select identity_value
            from {{ ref('int_erased_identities') }}
            where identity_type = '{{ identity_type }}'
        )
        {{- " or " if not loop.last }}
    {% endfor %}
{%- endmacro %}

{#-
    Pre-hook for history models keyed by as-of date: a rebuild of an as-of
    date (or an earlier one) first removes what earlier builds wrote for it
    and later dates, so the new rows replace them instead of piling up.
-#}
{% macro delete_rows_from_as_of_date(date_column) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where {{ date_column }} >= (select as_of_date from {{ ref('int_as_of_date') }})
    {%- endif -%}
{%- endmacro %}

{#-
    Pre-hook of the as-of-dated snapshots. Builds normally move forward in
    as-of dates and this does nothing. When a date is built again (late data,
    a changed threshold), the versions that build wrote are removed and the
    versions it closed are reopened first, so the new build replaces them
    instead of adding a second version with the same start.
-#}
{% macro rewind_snapshot_to_as_of_date() -%}
    {%- set existing = adapter.get_relation(this.database, this.schema, this.identifier) -%}
    {%- if existing is not none -%}
    delete from {{ this }}
    where dbt_valid_from >= {{ snapshot_get_time() }};
    update {{ this }}
    set dbt_valid_to = null
    where dbt_valid_to >= {{ snapshot_get_time() }}
    {%- endif -%}
{%- endmacro %}
