{#-
    One row per (customer, campaign message) sent before the as-of cut-off,
    with what happened to it by then. A click counts as an open too (opens go
    untracked when images are blocked).
-#}

with

email_events as (

    select * from {{ ref('fct_email_events') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

events_as_of as (

    select email_events.*
    from email_events
    cross join as_of
    where email_events.occurred_at < as_of.as_of_cutoff_at

),

messages as (

    select
        customer_id,
        campaign_id,
        min(case when event_type = 'sent' then occurred_at end) as sent_at,
        min(case when event_type = 'open' then occurred_at end) as first_opened_at,
        min(case when event_type = 'click' then occurred_at end) as first_clicked_at,
        max(case when event_type = 'delivered' then 1 else 0 end) = 1 as is_delivered,
        max(case when event_type = 'bounce_hard' then 1 else 0 end) = 1 as is_hard_bounced,
        max(case when event_type = 'bounce_soft' then 1 else 0 end) = 1 as is_soft_bounced,
        max(case when event_type = 'unsubscribe' then 1 else 0 end) = 1 as is_unsubscribed,
        max(case when event_type = 'spam_complaint' then 1 else 0 end) = 1 as is_spam_complaint

    from events_as_of
    group by customer_id, campaign_id

),

final as (

    select
        {{ surrogate_key(['customer_id', 'campaign_id']) }} as email_message_id,
        customer_id,
        campaign_id,
        is_delivered,
        first_opened_at is not null or first_clicked_at is not null as is_opened,
        first_clicked_at is not null as is_clicked,
        is_hard_bounced,
        is_soft_bounced,
        is_unsubscribed,
        is_spam_complaint,
        -- an ESP may drop the 'sent' event; the first event stands in for it
        coalesce(sent_at, first_opened_at, first_clicked_at) as sent_at,
        case
            when first_clicked_at < first_opened_at or first_opened_at is null then first_clicked_at
            else first_opened_at
        end as first_opened_at,
        first_clicked_at

    from messages

)

select * from final
