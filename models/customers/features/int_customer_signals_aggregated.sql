{#-
    Every customer's engagement signals up to the as-of cut-off, aggregated
    in one pass: opens and clicks (first per message), product views,
    add-to-carts, web sessions (anonymous browsing counts for the customer
    its browser is linked to) and purchases. customer_engagement and
    customer_lifecycle read it.

    Window counts per engagement_windows() (30, 90, 180 days); the behavioural score is
    the sum over signals of weight * 0.5 ^ (age_days / half-life), weights
    from var behavioral_score_weights, age measured to the end of the as-of
    date, half-life var behavioral_score_half_life_days.
-#}

{%- set windows = engagement_windows() -%}
{%- set weights = var('behavioral_score_weights') -%}

with

messages as (

    select * from {{ ref('int_customer_email_messages') }}

),

purchases as (

    select * from {{ ref('int_customer_purchases') }}

),

web_events as (

    select * from {{ ref('int_customer_product_events') }}

),

web_sessions as (

    select * from {{ ref('fct_web_sessions') }}

),

browsers as (

    select anonymous_id, last_login_customer_key as customer_key
    from {{ ref('int_web_visitors') }}
    where last_login_customer_key is not null

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

message_signals as (

    -- opens and clicks in one pass over the messages
    select
        messages.customer_key,
        kinds.signal_type,
        case kinds.signal_type when 'open' then messages.first_opened_at else messages.first_clicked_at end
            as occurred_at

    from messages
    cross join (select 'open' as signal_type union all select 'click' as signal_type) as kinds
    where (kinds.signal_type = 'open' and messages.is_opened)
        or (kinds.signal_type = 'click' and messages.is_clicked)

),

signals as (

    select customer_key, signal_type, occurred_at
    from message_signals

    union all

    select customer_key, 'purchase' as signal_type, purchased_at as occurred_at
    from purchases

    union all

    select customer_key, event_type as signal_type, occurred_at
    from web_events

    union all

    select browsers.customer_key, 'web_session' as signal_type, web_sessions.started_at as occurred_at
    from web_sessions
    inner join browsers
        on web_sessions.anonymous_id = browsers.anonymous_id

),

aged_signals as (

    select
        signals.customer_key,
        signals.signal_type,
        signals.occurred_at,
        {{ dbt.datediff('signals.occurred_at', 'as_of.as_of_cutoff_at', 'second') }} / cast(86400 as double) as age_days

    from signals
    cross join as_of
    where signals.occurred_at < as_of.as_of_cutoff_at

),

purchase_summary as (

    -- read from the table, not the purchases CTE: a CTE read twice is
    -- materialized in memory, a table is simply scanned again
    select
        customer_key,
        count(*) as purchases,
        min(purchased_at) as first_purchased_at,
        max(purchased_at) as last_purchased_at

    from {{ ref('int_customer_purchases') }}
    group by customer_key

),

signal_summary as (

    select
        aged_signals.customer_key,
        {%- for days in windows %}
        {%- for signal_type, column in [('web_session', 'web_sessions'), ('product_view', 'product_views'), ('add_to_cart', 'add_to_carts')] %}
        count(case when aged_signals.signal_type = '{{ signal_type }}' and aged_signals.age_days <= {{ days }} then 1 end)
            as {{ column }}_{{ days }}d,
        {%- endfor %}
        {%- endfor %}
        max(aged_signals.occurred_at) as last_engaged_at,
        max(case when aged_signals.occurred_at < purchase_summary.last_purchased_at then aged_signals.occurred_at end)
            as engaged_before_last_purchase_at,
        sum(
            case aged_signals.signal_type
                {%- for signal_type, weight in weights.items() %}
                when '{{ signal_type }}' then {{ weight }}
                {%- endfor %}
                else 0
            end
            * power(0.5, aged_signals.age_days / {{ var('behavioral_score_half_life_days') }})
        ) as behavioral_score

    from aged_signals
    left join purchase_summary
        on aged_signals.customer_key = purchase_summary.customer_key
    group by aged_signals.customer_key

),

final as (

    select
        signal_summary.*,
        coalesce(purchase_summary.purchases, 0) as purchases,
        purchase_summary.first_purchased_at,
        purchase_summary.last_purchased_at

    from signal_summary
    left join purchase_summary
        on signal_summary.customer_key = purchase_summary.customer_key

)

select * from final
