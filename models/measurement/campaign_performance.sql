{#-
    One row per campaign message (an A/B variant is its own message): how
    many were sent, delivered, opened, clicked, unsubscribed, and the
    purchases and revenue attributed to it (int_order_email_attributions:
    last click within attribution_click_window_days, else last open within
    attribution_open_window_days), with the rates per delivered email. As of
    the as-of date.
-#}

with

campaigns as (

    select * from {{ ref('campaigns') }}

),

outcomes as (

    select * from {{ ref('int_campaign_message_outcomes') }}

),

campaign_totals as (

    select
        outcomes.campaign_id,
        {{ email_performance_metrics('outcomes') }}

    from outcomes
    group by outcomes.campaign_id

),

with_rates as (

    select
        *,
        {{ email_performance_rates() }}

    from campaign_totals

),

final as (

    select
        campaigns.campaign_id,
        campaigns.ab_test_id,
        campaigns.campaign_name,
        campaigns.campaign_type,
        campaigns.variant,
        campaigns.is_ab_test,
        campaigns.is_control_variant,
        {% for column in email_performance_columns() %}
        with_rates.{{ column }},
        {% endfor %}
        campaigns.sent_at

    from campaigns
    inner join with_rates
        on campaigns.campaign_id = with_rates.campaign_id

)

select * from final
