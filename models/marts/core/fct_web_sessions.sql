{{
    config(
        materialized='incremental',
        unique_key='session_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_erased_rows({'anonymous_id': 'anonymous_id', 'customer_key': 'logged_in_customer_key'}) }}"
    )
}}

{#-
    One row per web session (the tracker's session id), summarized from its
    events. An incremental run re-summarizes every session with an event
    loaded since the window start.
-#}

{%- set window_start = reload_window_start() -%}

with

web_events as (

    select * from {{ ref('fct_web_events') }}

),

{% if window_start is not none %}
changed_sessions as (

    select distinct session_id
    from web_events
    where {{ loaded_since(window_start) }}

),
{% endif %}

session_events as (

    select web_events.*
    from web_events
    {% if window_start is not none %}
    inner join changed_sessions
        on web_events.session_id = changed_sessions.session_id
    {% endif %}

),

final as (

    select
        -- ids
        session_id,
        max(anonymous_id) as anonymous_id,
        max(customer_key) as logged_in_customer_key,

        -- strings
        -- of the session's first event (by time, then event id)
        {{ value_at_min('page_url', 'row(occurred_at, web_event_id)') }} as landing_page_url,
        {{ value_at_min('device_type', 'row(occurred_at, web_event_id)') }} as device_type,

        -- numerics
        count(*) as events,
        sum(case when event_type = 'page_view' then 1 else 0 end) as page_views,
        sum(case when event_type = 'product_view' then 1 else 0 end) as product_views,
        sum(case when event_type = 'add_to_cart' then 1 else 0 end) as add_to_carts,
        sum(case when event_type = 'search' then 1 else 0 end) as searches,
        sum(case when event_type = 'checkout' then 1 else 0 end) as checkouts,
        {{ dbt.datediff('min(occurred_at)', 'max(occurred_at)', 'second') }} as duration_seconds,

        -- timestamps
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        max(_loaded_at) as _loaded_at

    from session_events
    group by session_id

)

select * from final
