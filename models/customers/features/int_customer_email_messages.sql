{{ config(materialized='view') }}

{#-
    One row per (customer, campaign message) sent before the as-of cut-off,
    with what had happened to it by then: int_email_messages_aggregated read
    as of the as-of date. A click counts as an open too (opens go untracked
    when images are blocked).
-#}

with

messages as (

    select * from {{ ref('int_email_messages_aggregated') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

messages_as_of as (

    select
        messages.customer_key,
        messages.campaign_id,
        {%- for column in ['sent_at', 'delivered_at', 'opened_at', 'clicked_at', 'hard_bounced_at', 'soft_bounced_at', 'unsubscribed_at', 'complained_at'] %}
        case when messages.{{ column }} < as_of.as_of_cutoff_at then messages.{{ column }} end as {{ column }}
        {{- "," if not loop.last }}
        {%- endfor %}

    from messages
    cross join as_of
    where messages.first_event_at < as_of.as_of_cutoff_at

),

final as (

    select
        customer_key,
        campaign_id,
        delivered_at is not null as is_delivered,
        opened_at is not null or clicked_at is not null as is_opened,
        clicked_at is not null as is_clicked,
        hard_bounced_at is not null as is_hard_bounced,
        soft_bounced_at is not null as is_soft_bounced,
        unsubscribed_at is not null as is_unsubscribed,
        complained_at is not null as is_spam_complaint,
        -- an ESP may drop the 'sent' event; the first open or click stands in for it
        coalesce(sent_at, opened_at, clicked_at) as sent_at,
        case
            when clicked_at < opened_at or opened_at is null then clicked_at
            else opened_at
        end as first_opened_at,
        clicked_at as first_clicked_at

    from messages_as_of

)

select * from final
