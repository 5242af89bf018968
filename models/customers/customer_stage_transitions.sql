{{
    config(
        materialized='incremental',
        unique_key='stage_transition_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ delete_rows_from_as_of_date('changed_on') }}",
        post_hook=erasure_hook({'customer_id': 'customer_id'})
    )
}}

{#-
    Every change of a customer's segment, tier or stage, one row per change
    and dimension, from the snapshot history. The first version of a
    customer is an entry (from_value null). changed_at is the as-of date of
    the build that saw the change. Incremental: a build reads only the
    versions it opened and the versions they replaced (a rebuild of an
    as-of date replaces that date's rows); erased people's rows are deleted.
-#}

{%- set dimensions = segment_dimensions().values() | list -%}

with

history as (

    select * from {{ ref('customer_segments_snapshot') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

versions as (

    {% if is_incremental() %}
    -- the versions this build opened, and the ones they replaced
    select history.*
    from history
    cross join as_of
    where history.dbt_valid_from >= as_of.as_of_at
        or (
            history.dbt_valid_to >= as_of.as_of_at
            and history.customer_id in (
                -- the snapshot itself, not the history CTE: a CTE read twice is kept in memory
                select opened.customer_id
                from {{ ref('customer_segments_snapshot') }} as opened
                cross join as_of
                where opened.dbt_valid_from >= as_of.as_of_at
            )
        )
    {% else %}
    select * from history
    {% endif %}

),

{% for dimension in dimensions %}
{{ dimension }}_changes as (

    select
        customer_id,
        '{{ dimension }}' as dimension,
        lag({{ dimension }}) over (partition by customer_id order by dbt_valid_from) as from_value,
        {{ dimension }} as to_value,
        dbt_valid_from as changed_at

    from versions

),

{% endfor %}
changes as (

    {% for dimension in dimensions %}
    select * from {{ dimension }}_changes
    where from_value is null or from_value <> to_value
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        {{ surrogate_key(['changes.customer_id', 'changes.dimension', 'changes.changed_at']) }} as stage_transition_id,
        changes.customer_id,
        changes.dimension,
        changes.from_value,
        changes.to_value,
        cast(changes.changed_at as date) as changed_on,
        changes.changed_at

    from changes
    {% if is_incremental() %}
    cross join as_of
    where changes.changed_at >= as_of.as_of_at
    {% endif %}

)

select * from final
