{{
    config(
        materialized='incremental',
        unique_key='email_event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_erased_rows({'customer_id': 'customer_id'}) }}"
    )
}}

{#-
    One row per clean ESP event. The recipient is the customer: customer_id is
    the hash of the recipient email, the same hash identity resolution uses.
-#}

with

email_events as (

    select * from {{ ref('int_email_events_validated') }}
    where quarantine_reason is null
    {% if is_incremental() %}
        and _loaded_at >= {{ incremental_window_start() }}
    {% endif %}

),

erased as (

    select identity_value as customer_id
    from {{ ref('int_erased_identities') }}
    where identity_type = 'customer_id'

),

final as (

    select
        -- ids
        email_events.email_event_id,
        email_events.campaign_id,
        {{ surrogate_key(['email_events.email']) }} as customer_id,

        -- strings
        email_events.event_type,
        email_events.clicked_url,

        -- timestamps
        email_events.occurred_at,
        email_events._loaded_at

    from email_events
    left join erased
        on {{ surrogate_key(['email_events.email']) }} = erased.customer_id
    where erased.customer_id is null

)

select * from final
