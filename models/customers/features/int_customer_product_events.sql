{#-
    Product views and add-to-carts up to the as-of cut-off, attributed to
    customers: the events of every browser int_web_visitors links to a
    customer (its latest login), logged in or not. Browsers never logged in
    are not here. The one place anonymous browsing is resolved for the
    segmentation, personalization and trigger models, which read only these
    two event types. A table: four models read it, and DuckDB plans their
    joins well only on stored data.

    The as-of cut-off rides on the browsers and is checked in the join
    condition: as a filter after a cross join, DuckDB estimated a handful of
    events, built its hash table on the events instead of the browsers, and
    ran out of memory at scale (bench/README.md).
-#}

with

web_events as (

    select * from {{ ref('fct_web_events') }}
    where event_type in ('product_view', 'add_to_cart')

),

web_visitors as (

    select * from {{ ref('int_web_visitors') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

browsers as (

    select
        web_visitors.anonymous_id,
        web_visitors.last_login_customer_key as customer_key,
        as_of.as_of_cutoff_at

    from web_visitors
    cross join as_of
    where web_visitors.last_login_customer_key is not null

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
        and web_events.occurred_at < browsers.as_of_cutoff_at

)

select * from final
