{#-
    Web events up to the as-of cut-off, attributed to customers: logged-in
    events and the anonymous browsing of every browser the identity map
    links to a customer (its latest login). Events of browsers never linked
    to anyone are not here. The one place anonymous browsing is resolved for
    the segmentation, personalization and trigger models.
-#}

with

web_events as (

    select * from {{ ref('fct_web_events') }}

),

browsers as (

    select source_key as anonymous_id, customer_id
    from {{ ref('int_customer_identity_map') }}
    where source_system = 'web_visitor'

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        web_events.web_event_id,
        browsers.customer_id,
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
