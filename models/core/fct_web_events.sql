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
    where {{ not_erased('web_events.anonymous_id', 'anonymous_id') }}
        and {{ not_erased('web_events.customer_key') }}

)

select * from final
