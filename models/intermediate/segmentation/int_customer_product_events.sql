{#-
    Product views and add-to-carts up to the as-of cut-off, attributed to
    customers: the events of every browser int_web_visitors links to a
    customer (its latest login), logged in or not. Browsers never logged in
    are not here. The one place anonymous browsing is resolved for the
    segmentation, personalization and trigger models, which read only these
    two event types. A table: four models read it, and DuckDB plans their
    joins well only on stored data.
-#}

with

web_events as (

    select * from {{ ref('fct_web_events') }}
    where event_type in ('product_view', 'add_to_cart')

),

browsers as (

    select anonymous_id, last_login_customer_key as customer_key
    from {{ ref('int_web_visitors') }}
    where last_login_customer_key is not null

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        web_events.web_event_id,
        browsers.customer_key,
        web_events.anonymous_id,
        web_events.session_id,
        web_events.product_id,
        web_events.event_type,
        web_events.occurred_at

    from web_events
    inner join browsers
        on web_events.anonymous_id = browsers.anonymous_id
    cross join as_of
    where web_events.occurred_at < as_of.as_of_cutoff_at

)

select * from final
