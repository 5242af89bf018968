{#-
    Every change of a customer's segment, tier or stage, one row per change
    and dimension, from the snapshot history. The first version of a
    customer is an entry (from_value null). changed_at is the as-of date of
    the build that saw the change.
-#}

{%- set dimensions = segment_dimensions().values() | list -%}

with

history as (

    select * from {{ ref('customer_segments_snapshot') }}

),

{% for dimension in dimensions %}
{{ dimension }}_changes as (

    select
        customer_id,
        '{{ dimension }}' as dimension,
        lag({{ dimension }}) over (partition by customer_id order by dbt_valid_from) as from_value,
        {{ dimension }} as to_value,
        dbt_valid_from as changed_at

    from history

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
        {{ surrogate_key(['customer_id', 'dimension', 'changed_at']) }} as stage_transition_id,
        customer_id,
        dimension,
        from_value,
        to_value,
        cast(changed_at as date) as changed_on,
        changed_at

    from changes

)

select * from final
