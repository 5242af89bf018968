{{ config(materialized='view') }}

{#-
    One row per clean web event (the surviving delivery of each event id),
    leaving out every browser that ever logged in as someone who asked to be
    erased. customer_key is set only while the visitor is logged in;
    anonymous browsing is attributed to customers through int_web_visitors
    (the browser's latest login), which can change as new logins arrive, so
    it is resolved downstream (int_customer_product_events), not stored here. A
    view of the validated table: the warehouse holds one copy of the events.
-#}

with

web_events as (

    select * from {{ ref('int_web_events_validated') }}
    where quarantine_reason is null

),

erased_browsers as (

    select distinct anonymous_id
    from {{ ref('int_erased_identities') }}
    where anonymous_id is not null

),

erased_customers as (

    select distinct customer_key
    from {{ ref('int_erased_identities') }}

),

final as (

    select
        -- ids
        web_events.web_event_id,
        web_events.session_id,
        web_events.anonymous_id,
        web_events.customer_key,
        web_events.product_id,

        -- strings
        web_events.event_type,
        web_events.page_url,
        web_events.search_query,
        web_events.device_type,

        -- timestamps
        web_events.occurred_at,
        web_events._loaded_at

    from web_events
    left join erased_browsers
        on web_events.anonymous_id = erased_browsers.anonymous_id
    left join erased_customers
        on web_events.customer_key = erased_customers.customer_key
    where erased_browsers.anonymous_id is null
        and erased_customers.customer_key is null

)

select * from final
