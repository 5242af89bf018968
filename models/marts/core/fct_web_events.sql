{{
    config(
        materialized='incremental',
        unique_key='web_event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_erased_rows({'customer_id': 'customer_id', 'anonymous_id': 'anonymous_id'}) }}"
    )
}}

{#-
    One row per clean web event. customer_id is set only while the visitor
    is logged in; anonymous browsing is attributed to customers through the
    identity map (source_system = 'web_visitor'), which can change as new
    logins arrive, so it is resolved in the marts, not stored here.
-#}

with

web_events as (

    select * from {{ ref('int_web_events_validated') }}
    where quarantine_reason is null
    {% if is_incremental() %}
        and _loaded_at >= {{ incremental_window_start() }}
    {% endif %}

),

erased as (

    select identity_type, identity_value
    from {{ ref('int_erased_identities') }}

),

final as (

    select
        -- ids
        web_events.web_event_id,
        web_events.session_id,
        web_events.anonymous_id,
        case when web_events.email is not null then {{ surrogate_key(['web_events.email']) }} end as customer_id,
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
    left join erased as erased_browsers
        on erased_browsers.identity_type = 'anonymous_id'
        and web_events.anonymous_id = erased_browsers.identity_value
    where erased_browsers.identity_value is null

)

select * from final
