{{ config(materialized='view') }}

{#-
    One row per clean ESP event: the surviving delivery of each event id,
    of people who have not asked to be erased. A view of the validated
    table, so the warehouse holds one copy of the events. customer_key is
    the recipient (join to customers.customer_key).
-#}

with

email_events as (

    select * from {{ ref('int_email_events_validated') }}
    where quarantine_reason is null

),

final as (

    select
        -- ids
        email_events.email_event_id,
        email_events.campaign_id,
        email_events.customer_key,

        -- strings
        email_events.event_type,
        email_events.clicked_url,

        -- timestamps
        email_events.occurred_at,
        email_events._loaded_at

    from email_events
    where {{ not_erased('email_events.customer_key') }}

)

select * from final
