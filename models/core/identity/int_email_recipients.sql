{{
    config(
        materialized='incremental',
        unique_key='customer_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=erasure_hook({'customer_key': 'customer_key'})
    )
}}

-- depends_on: {{ ref('int_campaigns_validated') }}

{#
    One row per email the ESP reported any valid event for, with its first
    event. Valid rows include re-deliveries (copies of their original), so
    these aggregates only ever grow: a run merges the rows loaded since the
    window start, and the events of campaigns that arrived since (a late
    campaign turns its orphaned events valid), into what is stored.
#}

{% set window_start = reload_window_start() %}

with

email_events as (

    select customer_key, email, occurred_at, _loaded_at
    from {{ ref('int_email_events_validated') }}
    where failed_check is null
        {{ email_events_changed_since(window_start) }}

),

{% if window_start is not none %}
stored as (

    select customer_key, email, first_event_at as occurred_at, _loaded_at
    from {{ this }}
    where customer_key in (select customer_key from email_events)

),
{% endif %}

recipients as (

    select * from email_events
    {%- if window_start is not none %}
    union all
    select * from stored
    {%- endif %}

),

final as (

    select
        customer_key,
        email,
        min(occurred_at) as first_event_at,
        max(_loaded_at) as _loaded_at

    from recipients
    group by customer_key, email

)

select * from final
