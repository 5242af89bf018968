-- depends_on: {{ ref('int_model_fits') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        full_refresh=refit_on_full_refresh_config(),
        pre_hook="{{ delete_propensity_rows_to_replace(kept=fit_is_kept('propensity')) }}",
        post_hook=erasure_hook({'customer_key': 'customer_key'})
    )
}}

{#-
    One row per customer and propensity snapshot (int_propensity_snapshots)
    for everyone first seen before the snapshot date (in the past snapshots,
    the customers of the seeded sample: macro in_propensity_sample): what
    was known then, and what happened in the label windows after it.
    Features read only events before the snapshot date (tests_py/
    test_propensity.py lands events at a snapshot's midnight and checks);
    an order counts as a purchase if it was paid or not yet refunded or
    cancelled then, and browsing counts when the person was logged in. Every
    comparison is at day grain: a snapshot date is a midnight cut-off. The
    past snapshots' rows are kept while the fit is (int_propensity_snapshots):
    a build between refits computes snapshot 0 only, and erased people's
    kept rows are deleted. Doc blocks `propensity_snapshots`, `model_fits`.
-#}

{%- set kept = fit_is_kept('propensity') -%}

{%- set windows = [30, 90] -%}
{%- set signal_counts = ['deliveries', 'opens', 'clicks', 'web_sessions', 'product_views', 'add_to_carts'] -%}

with

customers as (

    select customer_key, first_seen_at from {{ ref('customers') }}

),

snapshots as (

    select * from {{ ref('int_propensity_snapshots') }}
    {%- if kept %}
    where snapshot_number = 0
    {%- endif %}

),

orders as (

    select
        customer_key,
        total_amount,
        cast(ordered_at as date) as ordered_date,
        {{ btyd_period_start('cast(ordered_at as date)') }} as period_start,
        -- the day a refund or cancellation made the order stop counting
        case when order_status <> 'paid' then cast(status_changed_at as date) end as voided_date

    from {{ ref('fct_orders') }}
    where customer_key is not null

),

messages as (

    select
        customer_key,
        delivered_at,
        -- a click counts as an open too (opens go untracked when images are blocked)
        case when clicked_at < opened_at or opened_at is null then clicked_at else opened_at end as opened_at,
        clicked_at,
        unsubscribed_at,
        -- greatest() and least() skip nulls on DuckDB and Spark
        least(complained_at, hard_bounced_at) as complained_or_bounced_at

    from {{ ref('int_email_messages_aggregated') }}

),

-- email permission evidence by the day it happened, as int_customer_email_consent
-- reads it: a valid email opt-in; an opt-out from any row that is not one
-- (fail closed), or an unsubscribe through the ESP; complaints and hard
-- bounces for good
permission_days as (

    select
        customer_key,
        cast(occurred_at as date) as occurred_date,
        {{ is_email_opt_in() }} as is_opt_in,
        {{ is_email_opt_out() }} as is_opt_out,
        false as is_complaint_or_bounce

    from {{ ref('int_consent_events_validated') }}
    where customer_key is not null
        and occurred_at is not null

    union all

    select customer_key, cast(unsubscribed_at as date), false, true, false
    from messages
    where unsubscribed_at is not null

    union all

    select customer_key, cast(complained_or_bounced_at as date), false, false, true
    from messages
    where complained_or_bounced_at is not null

),

sessions as (

    -- logged-in sessions only: linking a browser's anonymous sessions to a
    -- person uses its latest login, which a later login can change, and a
    -- snapshot's features must not move when later events arrive
    select
        logged_in_customer_key as customer_key,
        started_at,
        product_views,
        add_to_carts

    from {{ ref('fct_web_sessions') }}
    where logged_in_customer_key is not null

),

grid as (

    select
        customers.customer_key,
        snapshots.snapshot_number,
        snapshots.snapshot_date,
        cast(customers.first_seen_at as date) as first_seen_date

    from customers
    inner join snapshots
        on customers.first_seen_at < snapshots.snapshot_at
        and {{ in_propensity_sample('customers.customer_key', 'snapshots') }}

),

-- every engagement signal with the day it happened, one count column per
-- kind, from the earliest lookback on (no feature or label reads an earlier
-- day); a row per signal, not per customer and day: a customer has about
-- one signal a day, so summing by day first was a pass over all history
-- that merged almost nothing
signals as (

    {%- for timestamp, count in [('delivered_at', 'deliveries'), ('opened_at', 'opens'), ('clicked_at', 'clicks')] %}

    select
        customer_key,
        cast({{ timestamp }} as date) as occurred_date,
        {%- for column in signal_counts %}
        {{ 1 if column == count else 0 }} as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}

    from messages
    where {{ timestamp }} >= (select min(lookback_start_at) from snapshots)

    union all
    {%- endfor %}

    select
        customer_key,
        cast(started_at as date) as occurred_date,
        0 as deliveries,
        0 as opens,
        0 as clicks,
        1 as web_sessions,
        product_views,
        add_to_carts

    from sessions
    where started_at >= (select min(lookback_start_at) from snapshots)

),

-- orders as each snapshot knew them: placed before it, not yet voided
snapshot_purchases as (

    select
        orders.customer_key,
        snapshots.snapshot_number,
        count(*) as orders,
        sum(orders.total_amount) as revenue,
        {%- for days in windows %}
        count(case when orders.ordered_date >= {{ dbt.dateadd('day', -days, 'snapshots.snapshot_date') }} then 1 end)
            as orders_{{ days }}d,
        {%- endfor %}
        min(orders.ordered_date) as first_purchase_date,
        max(orders.ordered_date) as last_purchase_date,
        count(distinct orders.period_start) as purchase_occasions,
        min(orders.period_start) as first_period_start,
        max(orders.period_start) as last_period_start

    from orders
    inner join snapshots
        on orders.ordered_date < snapshots.snapshot_date
        and (orders.voided_date is null or orders.voided_date >= snapshots.snapshot_date)
        and {{ in_propensity_sample('orders.customer_key', 'snapshots') }}
    group by orders.customer_key, snapshots.snapshot_number

),

snapshot_signals as (

    select
        signals.customer_key,
        snapshots.snapshot_number,
        {%- for days in windows %}
        {%- for column in signal_counts %}
        sum(case when signals.occurred_date >= {{ dbt.dateadd('day', -days, 'snapshots.snapshot_date') }}
            then signals.{{ column }} else 0 end) as {{ column }}_{{ days }}d,
        {%- endfor %}
        {%- endfor %}
        max(case when signals.opens > 0 then signals.occurred_date end) as last_open_date,
        max(case when signals.clicks > 0 then signals.occurred_date end) as last_click_date,
        max(case when signals.web_sessions > 0 then signals.occurred_date end) as last_visit_date,
        max(case when signals.opens + signals.clicks + signals.product_views
            + signals.add_to_carts + signals.web_sessions > 0 then signals.occurred_date end)
            as last_engaged_date

    from signals
    inner join snapshots
        on signals.occurred_date < snapshots.snapshot_date
        and signals.occurred_date >= cast(snapshots.lookback_start_at as date)
        and {{ in_propensity_sample('signals.customer_key', 'snapshots') }}
    group by signals.customer_key, snapshots.snapshot_number

),

-- the lifecycle rule's "silent before the last purchase": the last
-- engagement before it (an earlier order, or a visit, open or click on an
-- earlier day or the same day, as the checkout visit before it)
silence_before_last_purchase as (

    select
        snapshot_purchases.customer_key,
        snapshot_purchases.snapshot_number,
        max(engagement.occurred_date) as engaged_before_last_purchase_date

    from snapshot_purchases
    inner join snapshots
        on snapshot_purchases.snapshot_number = snapshots.snapshot_number
    inner join (

        select customer_key, occurred_date, false as is_order
        from signals
        where opens + clicks + product_views + add_to_carts + web_sessions > 0

        union all

        select customer_key, ordered_date as occurred_date, true as is_order
        from orders

    ) as engagement
        on snapshot_purchases.customer_key = engagement.customer_key
        and (
            engagement.occurred_date < snapshot_purchases.last_purchase_date
            or (not engagement.is_order and engagement.occurred_date = snapshot_purchases.last_purchase_date)
        )
        and engagement.occurred_date < snapshots.snapshot_date
        and engagement.occurred_date >= cast(snapshots.lookback_start_at as date)
    group by snapshot_purchases.customer_key, snapshot_purchases.snapshot_number

),

snapshot_permissions as (

    select
        permission_days.customer_key,
        snapshots.snapshot_number,
        max(case when permission_days.is_opt_in then permission_days.occurred_date end) as last_opt_in_date,
        max(case when permission_days.is_opt_out then permission_days.occurred_date end) as last_opt_out_date,
        max(case when permission_days.is_complaint_or_bounce then 1 else 0 end) as has_complained_or_bounced

    from permission_days
    inner join snapshots
        on permission_days.occurred_date < snapshots.snapshot_date
        and {{ in_propensity_sample('permission_days.customer_key', 'snapshots') }}
    group by permission_days.customer_key, snapshots.snapshot_number

),

purchase_labels as (

    select
        orders.customer_key,
        snapshots.snapshot_number

    from orders
    inner join snapshots
        on orders.ordered_date >= snapshots.snapshot_date
        and orders.ordered_date < cast(snapshots.purchase_window_end_at as date)
        and {{ in_propensity_sample('orders.customer_key', 'snapshots') }}
    where snapshots.has_purchase_label
    group by orders.customer_key, snapshots.snapshot_number

),

engagement_labels as (

    select
        engagement.customer_key,
        snapshots.snapshot_number

    from (

        select customer_key, occurred_date
        from signals
        where opens + clicks + web_sessions > 0

        union all

        select customer_key, ordered_date as occurred_date
        from orders

    ) as engagement
    inner join snapshots
        on engagement.occurred_date >= snapshots.snapshot_date
        and engagement.occurred_date < cast(snapshots.engagement_window_end_at as date)
        and {{ in_propensity_sample('engagement.customer_key', 'snapshots') }}
    where snapshots.has_engagement_label
    group by engagement.customer_key, snapshots.snapshot_number

),

measured as (

    select
        grid.customer_key,
        grid.snapshot_number,
        grid.snapshot_date,
        snapshots.is_scoring_snapshot,
        snapshots.has_purchase_label,
        snapshots.has_engagement_label,
        snapshots.fit_id,
        {{ dbt.datediff('grid.first_seen_date', 'grid.snapshot_date', 'day') }} as tenure_days,
        coalesce(snapshot_purchases.orders, 0) as orders,
        {%- for days in windows %}
        coalesce(snapshot_purchases.orders_{{ days }}d, 0) as orders_{{ days }}d,
        {%- endfor %}
        coalesce(snapshot_purchases.revenue, 0) as revenue,
        -- as a double: Spark divides decimals to six places
        cast(snapshot_purchases.revenue as double) / snapshot_purchases.orders as average_order_value,
        {{ dbt.datediff('snapshot_purchases.first_purchase_date', 'grid.snapshot_date', 'day') }}
            as days_since_first_purchase,
        {{ dbt.datediff('snapshot_purchases.last_purchase_date', 'grid.snapshot_date', 'day') }}
            as days_since_last_purchase,
        {%- for days in windows %}
        {%- for column in signal_counts %}
        coalesce(snapshot_signals.{{ column }}_{{ days }}d, 0) as {{ column }}_{{ days }}d,
        {%- endfor %}
        {%- endfor %}
        snapshot_signals.opens_90d / nullif(snapshot_signals.deliveries_90d, 0) as open_rate_90d,
        snapshot_signals.clicks_90d / nullif(snapshot_signals.deliveries_90d, 0) as click_rate_90d,
        -- as int_customer_email_consent decides, on the days before the snapshot: an opt-out on or after
        -- the last opt-in stands (a tie stays out); a complaint or hard bounce for good
        case
            when snapshot_permissions.last_opt_out_date
                >= coalesce(snapshot_permissions.last_opt_in_date, snapshot_permissions.last_opt_out_date)
                or snapshot_permissions.has_complained_or_bounced = 1
                then 1
            else 0
        end as email_opted_out,
        case
            when snapshot_permissions.last_opt_in_date is not null
                and coalesce(snapshot_permissions.last_opt_out_date < snapshot_permissions.last_opt_in_date, true)
                and snapshot_permissions.has_complained_or_bounced = 0
                then 1
            else 0
        end as email_opted_in,
        {%- for column in ['open', 'click', 'visit'] %}
        {{ dbt.datediff('snapshot_signals.last_' ~ column ~ '_date', 'grid.snapshot_date', 'day') }}
            as days_since_last_{{ column }},
        {%- endfor %}
        -- as customer_lifecycle counts them: as of the day before the snapshot date
        {{ dbt.datediff('greatest(coalesce(snapshot_signals.last_engaged_date, grid.first_seen_date), coalesce(snapshot_purchases.last_purchase_date, grid.first_seen_date))', 'grid.snapshot_date', 'day') }} - 1
            as days_since_last_engagement,
        {{ dbt.datediff('silence_before_last_purchase.engaged_before_last_purchase_date', 'snapshot_purchases.last_purchase_date', 'day') }}
            as days_silent_before_last_purchase,
        snapshot_purchases.purchase_occasions - 1 as btyd_frequency,
        {{ dbt.datediff('snapshot_purchases.first_period_start', 'snapshot_purchases.last_period_start', 'day') }}
            / {{ btyd_unit_days() }} as btyd_recency,
        {{ dbt.datediff('snapshot_purchases.first_period_start', btyd_period_start(dbt.dateadd('day', -1, 'grid.snapshot_date')), 'day') }}
            / {{ btyd_unit_days() }} as btyd_t,
        case
            when snapshots.has_purchase_label then purchase_labels.customer_key is not null
        end as purchased_in_window,
        case
            when snapshots.has_engagement_label then engagement_labels.customer_key is not null
        end as engaged_in_window

    from grid
    inner join snapshots
        on grid.snapshot_number = snapshots.snapshot_number
    left join snapshot_purchases
        on grid.customer_key = snapshot_purchases.customer_key
        and grid.snapshot_number = snapshot_purchases.snapshot_number
    left join snapshot_signals
        on grid.customer_key = snapshot_signals.customer_key
        and grid.snapshot_number = snapshot_signals.snapshot_number
    left join snapshot_permissions
        on grid.customer_key = snapshot_permissions.customer_key
        and grid.snapshot_number = snapshot_permissions.snapshot_number
    left join silence_before_last_purchase
        on grid.customer_key = silence_before_last_purchase.customer_key
        and grid.snapshot_number = silence_before_last_purchase.snapshot_number
    left join purchase_labels
        on grid.customer_key = purchase_labels.customer_key
        and grid.snapshot_number = purchase_labels.snapshot_number
    left join engagement_labels
        on grid.customer_key = engagement_labels.customer_key
        and grid.snapshot_number = engagement_labels.snapshot_number

),

-- the RFM score of the snapshot's buyers: three rankings of a narrow row
-- (a window sorts every column it carries)
rfm_scores as (

    select
        customer_key,
        snapshot_number,
        {{ quantile_score('days_since_last_purchase', 'desc', partition_by='snapshot_number') }}
        + {{ quantile_score('orders', partition_by='snapshot_number') }}
        + {{ quantile_score('revenue', partition_by='snapshot_number') }} as rfm_score

    from measured
    where orders > 0

),

final as (

    select
        measured.*,
        {{ lifecycle_stage(
            'measured.orders',
            'measured.days_since_first_purchase - 1',
            'measured.days_since_last_purchase - 1',
            'measured.days_since_last_engagement',
            'measured.days_silent_before_last_purchase'
        ) }} as lifecycle_stage,
        coalesce(rfm_scores.rfm_score, 0) as rfm_score

    from measured
    left join rfm_scores
        on measured.customer_key = rfm_scores.customer_key
        and measured.snapshot_number = rfm_scores.snapshot_number

)

select * from final
