{{
    config(
        materialized='incremental',
        unique_key=['customer_key', 'campaign_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=erasure_hook({'customer_key': 'customer_key'})
    )
}}

-- depends_on: {{ ref('int_campaigns_validated') }}

{#
    One row per (customer, campaign message) with when each kind of ESP event
    first happened to it, whatever the as-of date (int_customer_email_messages
    reads it as of one). Over valid event rows, re-deliveries included (they
    repeat their original), so a message's first times only ever move
    earlier as rows arrive: a run merges the rows loaded since the window
    start, and the events of campaigns that arrived since (their orphans turn
    valid), into what is stored.
#}

{% set window_start = reload_window_start() %}
{%- set milestones = {
    'sent': 'sent_at',
    'delivered': 'delivered_at',
    'open': 'opened_at',
    'click': 'clicked_at',
    'bounce_hard': 'hard_bounced_at',
    'bounce_soft': 'soft_bounced_at',
    'unsubscribe': 'unsubscribed_at',
    'spam_complaint': 'complained_at',
} -%}

with

email_events as (

    select customer_key, campaign_id, event_type, occurred_at, _loaded_at
    from {{ ref('int_email_events_validated') }}
    where failed_check is null
        {{ email_events_changed_since(window_start) }}

),

new_messages as (

    select
        customer_key,
        campaign_id,
        min(occurred_at) as first_event_at,
        {%- for event_type, column in milestones.items() %}
        min(case when event_type = '{{ event_type }}' then occurred_at end) as {{ column }},
        {%- endfor %}
        max(_loaded_at) as _loaded_at

    from email_events
    group by customer_key, campaign_id

),

messages as (

    select * from new_messages
    {%- if window_start is not none %}

    union all

    select stored.*
    from {{ this }} as stored
    inner join new_messages
        on stored.customer_key = new_messages.customer_key
        and stored.campaign_id = new_messages.campaign_id
    {%- endif %}

),

merged as (

    select
        customer_key,
        campaign_id,
        min(first_event_at) as first_event_at,
        {%- for column in milestones.values() %}
        min({{ column }}) as {{ column }},
        {%- endfor %}
        max(_loaded_at) as _loaded_at

    from messages
    group by customer_key, campaign_id

),

final as (

    -- a full build has nothing stored to merge: each message is in new_messages once
    select * from {{ 'merged' if window_start is not none else 'new_messages' }}

)

select * from final
