{#-
    One row per (customer, campaign message) sent before the as-of cut-off:
    the message's outcome (int_customer_email_messages) plus the purchases
    attributed to it (int_order_email_attributions). The grain every
    campaign performance mart aggregates, through the
    email_performance_metrics macro. A table, not a view: the breakdown by
    segment joins it to the label history, and DuckDB sizes the joins right
    only when it knows the row count (as a view, it built its hash table on
    the wrong side and ran out of memory at scale).
-#}

with

messages as (

    select * from {{ ref('int_customer_email_messages') }}

),

attributions as (

    select * from {{ ref('int_order_email_attributions') }}

),

attributed_per_message as (

    select
        customer_key,
        campaign_id,
        count(*) as attributed_orders,
        sum(revenue) as attributed_revenue

    from attributions
    group by customer_key, campaign_id

),

final as (

    select
        messages.customer_key,
        messages.campaign_id,
        -- a message opened, unsubscribed from or reported was delivered, even
        -- when the ESP's delivery event is missing (dropped or quarantined):
        -- every rate per delivered message stays within 0..1
        messages.is_delivered
            or messages.is_opened
            or messages.is_unsubscribed
            or messages.is_spam_complaint as is_delivered,
        messages.is_opened,
        messages.is_clicked,
        messages.is_hard_bounced,
        messages.is_unsubscribed,
        messages.is_spam_complaint,
        coalesce(attributed_per_message.attributed_orders, 0) as attributed_orders,
        coalesce(attributed_per_message.attributed_revenue, 0) as attributed_revenue,
        attributed_per_message.attributed_orders is not null as is_converted,
        messages.sent_at

    from messages
    left join attributed_per_message
        on messages.customer_key = attributed_per_message.customer_key
        and messages.campaign_id = attributed_per_message.campaign_id

)

select * from final
