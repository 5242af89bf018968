{#-
    The change cursor of the activation tables (doc block `activation_updated_at`).
    `build_time()` is when this build started (UTC), or var build_time when
    set (tests pin it to compare builds). `select_with_change_cursor(cte,
    key)` ends a model: the rows of `cte` with updated_at = the build time at
    which the row's content last changed. Each row is compared with its row
    of the same key in the table's previous build (this relation, which the
    table materialization replaces only after the new rows are computed),
    every column null-safely and floats to 6 decimals (aggregation order may
    change their last bits between builds): unchanged, it keeps the previous
    updated_at; new or changed, it gets this build's time. A first build or
    a --full-refresh stamps every row (a sync then sends them all).
-#}

{% macro build_time() -%}
    {%- set pinned = var('build_time', none) -%}
    cast('{{ pinned if pinned else run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro select_with_change_cursor(cte, key) -%}
    {%- set previous = none -%}
    {%- if execute and not should_full_refresh() -%}
        {%- set previous = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
    {%- endif -%}
    {%- if previous is none %}
select
    {{ cte }}.*,
    {{ build_time() }} as updated_at
from {{ cte }}
    {%- else -%}
        {%- set unchanged = [] -%}
        {%- for column in adapter.get_columns_in_relation(previous) if column.name | lower != 'updated_at' -%}
            {%- set current = cte ~ '.' ~ adapter.quote(column.name) -%}
            {%- set earlier = 'previous_build.' ~ adapter.quote(column.name) -%}
            {%- if column.is_float() -%}
                {%- do unchanged.append('round(' ~ current ~ ', 6) is not distinct from round(' ~ earlier ~ ', 6)') -%}
            {%- else -%}
                {%- do unchanged.append(current ~ ' is not distinct from ' ~ earlier) -%}
            {%- endif -%}
        {%- endfor %}
select
    {{ cte }}.*,
    case
        when previous_build.{{ key }} is not null
            {% for condition in unchanged -%}
            and {{ condition }}
            {% endfor -%}
            then previous_build.updated_at
        else {{ build_time() }}
    end as updated_at
from {{ cte }}
left join {{ previous }} as previous_build
    on {{ cte }}.{{ key }} = previous_build.{{ key }}
    {%- endif %}
{%- endmacro %}
