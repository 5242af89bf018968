{#-
    Every segment each contactable person belongs to as of the as-of date,
    one row per contact and segment: their RFM segment, engagement tier,
    lifecycle stage, cluster and LTV tier, and each personalization trigger
    that fired for them on the as-of date. The input of
    segment_memberships_snapshot, from which the activation change log is read.
-#}

{%- set dimensions = segment_dimensions() -%}

with

contacts as (

    select customer_id from {{ ref('int_contactable_customers') }}

),

segments as (

    select * from {{ ref('customer_segments') }}

),

trigger_firings as (

    select * from {{ ref('int_trigger_firings') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

contact_segments as (

    select segments.*
    from segments
    inner join contacts
        on segments.customer_id = contacts.customer_id

),

memberships as (

    {% for segment_type, column in dimensions.items() %}
    select
        customer_id,
        '{{ segment_type }}' as segment_type,
        {{ slugify(column) }} as segment_key,
        replace({{ column }}, '_', ' ') as segment_name

    from contact_segments

    union all

    {% endfor %}
    select
        trigger_firings.customer_id,
        'trigger' as segment_type,
        trigger_firings.trigger_key as segment_key,
        trigger_firings.trigger_name as segment_name

    from trigger_firings
    inner join contacts
        on trigger_firings.customer_id = contacts.customer_id
    cross join as_of
    where trigger_firings.fired_on = as_of.as_of_date

),

final as (

    select
        {{ surrogate_key(['memberships.customer_id', 'memberships.segment_type', 'memberships.segment_key']) }}
            as segment_membership_id,
        memberships.customer_id,
        memberships.segment_type || '__' || memberships.segment_key as segment_id,
        memberships.segment_type,
        memberships.segment_key,
        memberships.segment_name,
        as_of.as_of_at

    from memberships
    cross join as_of

)

select * from final
