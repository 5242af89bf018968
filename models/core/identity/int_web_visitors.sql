{{
    config(
        materialized='incremental',
        unique_key='anonymous_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=erasure_hook({'anonymous_id': 'anonymous_id'})
    )
}}

{#-
    One row per browser (the tracker's anonymous_id): its first web event,
    and the email it last logged in with (the latest logged-in event; on a
    tie, the alphabetically last email), which claims its anonymous
    browsing. Over valid rows, re-deliveries included, so these aggregates
    only ever grow: a run aggregates the rows loaded since the window start
    and merges them with what is stored, with the same aggregates.
-#}

{%- set window_start = reload_window_start() -%}

with

web_events as (

    select anonymous_id, email, customer_key, occurred_at, _loaded_at
    from {{ ref('int_web_events_validated') }}
    where invalid_reason is null
        and anonymous_id is not null
        and {{ loaded_since(window_start) }}

),

browser_emails as (

    -- one row per browser and email (null for anonymous events) first: the
    -- latest login is then picked among a few rows per browser, not among
    -- all its events. The text-valued maximum is what costs: over every
    -- event it took more than twice as long (bench/README.md).
    select
        anonymous_id,
        email,
        customer_key,
        max(occurred_at) as last_seen_at,
        min(occurred_at) as first_event_at,
        max(_loaded_at) as _loaded_at

    from web_events
    group by anonymous_id, email, customer_key

),

new_visitors as (

    select
        anonymous_id,
        {{ values_at_max(['email', 'customer_key'], ['last_seen_at', 'email']) }} filter (where email is not null)
            as last_login,
        max(last_seen_at) filter (where email is not null) as last_login_at,
        min(first_event_at) as first_event_at,
        max(_loaded_at) as _loaded_at

    from browser_emails
    group by anonymous_id

),

visitors as (

    select
        anonymous_id,
        last_login.email as last_login_email,
        last_login.customer_key as last_login_customer_key,
        last_login_at,
        first_event_at,
        _loaded_at

    from new_visitors
    {%- if window_start is not none %}

    union all

    select stored.*
    from {{ this }} as stored
    inner join new_visitors
        on stored.anonymous_id = new_visitors.anonymous_id
    {%- endif %}

),

merged as (

    select
        anonymous_id,
        {{ values_at_max(['last_login_email', 'last_login_customer_key'], ['last_login_at', 'last_login_email']) }}
            filter (where last_login_email is not null) as last_login,
        max(last_login_at) as last_login_at,
        min(first_event_at) as first_event_at,
        max(_loaded_at) as _loaded_at

    from visitors
    group by anonymous_id

),

merged_visitors as (

    select
        anonymous_id,
        last_login.last_login_email as last_login_email,
        last_login.last_login_customer_key as last_login_customer_key,
        last_login_at,
        first_event_at,
        _loaded_at

    from merged

),

final as (

    -- a full build has nothing stored to merge: each browser is in new_visitors once
    select * from {{ 'merged_visitors' if window_start is not none else 'visitors' }}

)

select * from final
