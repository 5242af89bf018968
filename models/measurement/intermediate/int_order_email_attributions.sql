{#-
    Which email message each purchase is credited to, at most one per
    purchase: the last click by the buyer within `attribution_click_window_days`
    before the purchase; failing that, the last open within
    `attribution_open_window_days`; otherwise the purchase is not attributed
    to email (and is not in this model). Only events before the purchase
    count, and only purchases as of the as-of date (int_customer_purchases).
-#}

with

purchases as (

    select * from {{ ref('int_customer_purchases') }}

),

email_events as (

    select * from {{ ref('fct_email_events') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

touches as (

    select
        email_events.customer_key,
        email_events.campaign_id,
        email_events.event_type,
        email_events.occurred_at

    from email_events
    cross join as_of
    where email_events.event_type in ('click', 'open')
        and email_events.occurred_at < as_of.as_of_cutoff_at

),

candidate_touches as (

    select
        purchases.order_id,
        purchases.customer_key,
        purchases.revenue,
        purchases.purchased_at,
        touches.campaign_id,
        touches.event_type as attribution_type,
        touches.occurred_at as touched_at,
        row_number() over (
            partition by purchases.order_id
            -- a click in its window beats any open; then the latest touch
            order by
                case when touches.event_type = 'click' then 1 else 2 end,
                touches.occurred_at desc,
                touches.campaign_id
        ) as touch_rank

    from purchases
    inner join touches
        on purchases.customer_key = touches.customer_key
        and touches.occurred_at <= purchases.purchased_at
        and (
            (
                touches.event_type = 'click'
                and touches.occurred_at >= {{ dbt.dateadd('day', -1 * var('attribution_click_window_days'), 'purchases.purchased_at') }}
            )
            or (
                touches.event_type = 'open'
                and touches.occurred_at >= {{ dbt.dateadd('day', -1 * var('attribution_open_window_days'), 'purchases.purchased_at') }}
            )
        )

),

final as (

    select
        order_id,
        customer_key,
        campaign_id,
        attribution_type,
        revenue,
        touched_at,
        purchased_at

    from candidate_touches
    where touch_rank = 1

)

select * from final
