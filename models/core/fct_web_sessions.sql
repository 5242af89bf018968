{{
    config(
        materialized='incremental',
        unique_key='session_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=erasure_hook({'anonymous_id': 'anonymous_id', 'customer_key': 'logged_in_customer_key'})
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

    -- reads the ref, not the web_events CTE: DuckDB materializes a CTE that
    -- is read twice, which copied every event before this filter
    select distinct session_id
    from {{ ref('fct_web_events') }}
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

sessions as (

    select
        session_id,
        max(anonymous_id) as anonymous_id,
        max(customer_key) as logged_in_customer_key,
        -- the session's first event (by time, then event id)
        {{ values_at_min(['page_url', 'device_type'], ['occurred_at', 'web_event_id']) }} as first_event,
        count(*) as events,
        count(case when event_type = 'page_view' then 1 end) as page_views,
        count(case when event_type = 'product_view' then 1 end) as product_views,
        count(case when event_type = 'add_to_cart' then 1 end) as add_to_carts,
        count(case when event_type = 'search' then 1 end) as searches,
        count(case when event_type = 'checkout' then 1 end) as checkouts,
        {{ dbt.datediff('min(occurred_at)', 'max(occurred_at)', 'second') }} as duration_seconds,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        max(_loaded_at) as _loaded_at

    from session_events
    group by session_id

),

final as (

    select
        -- ids
        session_id,
        anonymous_id,
        logged_in_customer_key,

        -- strings
        first_event.page_url as landing_page_url,
        first_event.device_type as device_type,

        -- numerics
        events,
        page_views,
        product_views,
        add_to_carts,
        searches,
        checkouts,
        duration_seconds,

        -- timestamps
        started_at,
        ended_at,
        _loaded_at

    from sessions

)

select * from final
