{#-
    Every engagement signal of a customer up to the as-of cut-off, one row
    per signal: opens and clicks (first per message), product views,
    add-to-carts, web sessions and purchases. Anonymous browsing counts for
    the customer its browser is linked to in the identity map.
-#}

with

messages as (

    select * from {{ ref('int_customer_email_messages') }}

),

purchases as (

    select * from {{ ref('int_customer_purchases') }}

),

web_events as (

    select * from {{ ref('int_customer_web_events') }}

),

web_sessions as (

    select * from {{ ref('fct_web_sessions') }}

),

browsers as (

    select source_key as anonymous_id, customer_id
    from {{ ref('int_customer_identity_map') }}
    where source_system = 'web_visitor'

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

signals as (

    select customer_id, 'open' as signal_type, email_message_id as source_id, first_opened_at as occurred_at
    from messages
    where is_opened

    union all

    select customer_id, 'click' as signal_type, email_message_id as source_id, first_clicked_at as occurred_at
    from messages
    where is_clicked

    union all

    select
        customer_id,
        'purchase' as signal_type,
        cast(order_id as {{ dbt.type_string() }}) as source_id,
        purchased_at as occurred_at

    from purchases

    union all

    select
        customer_id,
        event_type as signal_type,
        web_event_id as source_id,
        occurred_at

    from web_events
    where event_type in ('product_view', 'add_to_cart')

    union all

    select
        browsers.customer_id,
        'web_session' as signal_type,
        web_sessions.session_id as source_id,
        web_sessions.started_at as occurred_at

    from web_sessions
    inner join browsers
        on web_sessions.anonymous_id = browsers.anonymous_id

),

final as (

    select
        {{ surrogate_key(['signals.signal_type', 'signals.source_id']) }} as engagement_event_id,
        signals.customer_id,
        signals.signal_type,
        signals.source_id,
        signals.occurred_at,
        {{ dbt.datediff('signals.occurred_at', 'as_of.as_of_cutoff_at', 'second') }} / 86400.0 as age_days

    from signals
    cross join as_of
    where signals.occurred_at < as_of.as_of_cutoff_at

)

select * from final
