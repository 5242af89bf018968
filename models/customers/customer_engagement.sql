{#- The formulas: doc block `engagement_metrics` (models/customers/_customers__docs.md). -#}

{%- set windows = engagement_windows() -%}

with

customers as (

    select customer_id, customer_key from {{ ref('customers') }}

),

messages as (

    select * from {{ ref('int_customer_email_messages') }}

),

signal_summary as (

    select * from {{ ref('int_customer_signals_aggregated') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

ranked_messages as (

    select
        messages.*,
        case
            when messages.is_delivered then row_number() over (
                partition by messages.customer_key, messages.is_delivered
                order by messages.sent_at desc, messages.campaign_id
            )
        end as delivered_recency_rank

    from messages

),

message_summary as (

    -- windows and tier in one pass over the messages
    select
        ranked_messages.customer_key,
        {%- for days in windows %}
        count(case when ranked_messages.sent_at >= {{ dbt.dateadd('day', -days, 'as_of.as_of_cutoff_at') }} then 1 end)
            as emails_sent_{{ days }}d,
        count(case when ranked_messages.sent_at >= {{ dbt.dateadd('day', -days, 'as_of.as_of_cutoff_at') }}
            and ranked_messages.is_delivered then 1 end) as emails_delivered_{{ days }}d,
        count(case when ranked_messages.sent_at >= {{ dbt.dateadd('day', -days, 'as_of.as_of_cutoff_at') }}
            and ranked_messages.is_delivered and ranked_messages.is_opened then 1 end) as unique_opens_{{ days }}d,
        count(case when ranked_messages.sent_at >= {{ dbt.dateadd('day', -days, 'as_of.as_of_cutoff_at') }}
            and ranked_messages.is_delivered and ranked_messages.is_clicked then 1 end) as unique_clicks_{{ days }}d,
        {%- endfor %}
        max(ranked_messages.first_opened_at) as last_opened_at,
        max(ranked_messages.first_clicked_at) as last_clicked_at,
        count(case when ranked_messages.delivered_recency_rank <= {{ var('engagement_tier_campaigns') }} then 1 end)
            as tier_campaigns,
        sum(
            case
                when ranked_messages.delivered_recency_rank <= {{ var('engagement_tier_campaigns') }}
                    and ranked_messages.is_opened
                    then 1.0
                else 0.0
            end
        ) as tier_opens

    from ranked_messages
    cross join as_of
    group by ranked_messages.customer_key

),

tier_basis as (

    select
        customer_key,
        tier_campaigns,
        tier_opens / tier_campaigns as tier_open_share

    from message_summary
    where tier_campaigns > 0

),

final as (

    select
        -- ids
        customers.customer_id,
        customers.customer_key,

        -- strings
        case
            when tier_basis.customer_key is null then 'none'
            when tier_basis.tier_open_share > {{ var('engagement_tier_high_above') }} then 'high'
            when tier_basis.tier_open_share < {{ var('engagement_tier_low_below') }} then 'low'
            else 'medium'
        end as engagement_tier,

        -- numerics
        coalesce(tier_basis.tier_campaigns, 0) as tier_campaigns,
        tier_basis.tier_open_share,
        round(coalesce(signal_summary.behavioral_score, 0), 4) as behavioral_score,
        {%- for days in windows %}
        coalesce(message_summary.emails_sent_{{ days }}d, 0) as emails_sent_{{ days }}d,
        coalesce(message_summary.emails_delivered_{{ days }}d, 0) as emails_delivered_{{ days }}d,
        coalesce(message_summary.unique_opens_{{ days }}d, 0) as unique_opens_{{ days }}d,
        coalesce(message_summary.unique_clicks_{{ days }}d, 0) as unique_clicks_{{ days }}d,
        message_summary.unique_opens_{{ days }}d
            / nullif(cast(message_summary.emails_delivered_{{ days }}d as double), 0)
            as open_rate_{{ days }}d,
        message_summary.unique_clicks_{{ days }}d
            / nullif(cast(message_summary.emails_delivered_{{ days }}d as double), 0)
            as click_rate_{{ days }}d,
        message_summary.unique_clicks_{{ days }}d
            / nullif(cast(message_summary.unique_opens_{{ days }}d as double), 0)
            as click_to_open_rate_{{ days }}d,
        coalesce(signal_summary.web_sessions_{{ days }}d, 0) as web_sessions_{{ days }}d,
        coalesce(signal_summary.product_views_{{ days }}d, 0) as product_views_{{ days }}d,
        coalesce(signal_summary.add_to_carts_{{ days }}d, 0) as add_to_carts_{{ days }}d,
        {%- endfor %}
        {{ dbt.datediff('cast(signal_summary.last_engaged_at as date)', 'as_of.as_of_date', 'day') }}
            as days_since_last_engagement,

        -- dates
        cast(message_summary.last_opened_at as date) as last_open_date,
        cast(message_summary.last_clicked_at as date) as last_click_date,
        cast(signal_summary.last_engaged_at as date) as last_engagement_date,
        as_of.as_of_date

    from customers
    cross join as_of
    left join message_summary
        on customers.customer_key = message_summary.customer_key
    left join signal_summary
        on customers.customer_key = signal_summary.customer_key
    left join tier_basis
        on customers.customer_key = tier_basis.customer_key

)

select * from final
