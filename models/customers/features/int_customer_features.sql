{#-
    The customer-grain feature table the Python models read: RFM and
    engagement side by side. It is the only data that crosses into Python.
-#}

with

rfm as (

    select * from {{ ref('customer_rfm') }}

),

engagement as (

    select * from {{ ref('customer_engagement') }}

),

final as (

    select
        rfm.customer_id,
        rfm.customer_key,
        rfm.recency_days,
        rfm.frequency,
        rfm.monetary,
        rfm.average_order_value,
        rfm.tenure_days,
        engagement.open_rate_180d,
        engagement.click_rate_180d,
        engagement.behavioral_score,
        engagement.web_sessions_180d,
        rfm.is_buyer,
        engagement.tier_campaigns > 0 as has_email_history,
        rfm.is_buyer or engagement.tier_campaigns > 0 as has_sufficient_data

    from rfm
    inner join engagement
        on rfm.customer_key = engagement.customer_key

)

select * from final
