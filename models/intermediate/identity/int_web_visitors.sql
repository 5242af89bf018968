{{
    config(
        materialized='incremental',
        unique_key='anonymous_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_erased_rows({'anonymous_id': 'anonymous_id'}) }}"
    )
}}

{#-
    One row per browser (the tracker's anonymous_id): its first web event,
    and the email it last logged in with (the latest logged-in event; on a
    tie, the alphabetically first email), which claims its anonymous
    browsing. Over valid rows, re-deliveries included, so a run merges the
    rows loaded since the window start into what is stored.
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

{% if window_start is not none %}
stored as (

    select
        anonymous_id,
        last_login_email as email,
        last_login_customer_key as customer_key,
        last_login_at as occurred_at,
        first_event_at,
        _loaded_at

    from {{ this }}
    where anonymous_id in (select anonymous_id from web_events)

),
{% endif %}

logins as (

    select anonymous_id, email, customer_key, occurred_at
    from web_events
    where email is not null
    {%- if window_start is not none %}

    union all

    select anonymous_id, email, customer_key, occurred_at
    from stored
    where email is not null
    {%- endif %}

),

latest_logins as (

    select
        anonymous_id,
        email,
        customer_key,
        occurred_at

    from logins
    qualify row_number() over (partition by anonymous_id order by occurred_at desc, email) = 1

),

activity as (

    select anonymous_id, min(occurred_at) as first_event_at, max(_loaded_at) as _loaded_at
    from web_events
    group by anonymous_id
    {%- if window_start is not none %}

    union all

    select anonymous_id, first_event_at, _loaded_at
    from stored
    {%- endif %}

),

final as (

    select
        activity.anonymous_id,
        latest_logins.email as last_login_email,
        latest_logins.customer_key as last_login_customer_key,
        latest_logins.occurred_at as last_login_at,
        min(activity.first_event_at) as first_event_at,
        max(activity._loaded_at) as _loaded_at

    from activity
    left join latest_logins
        on activity.anonymous_id = latest_logins.anonymous_id
    group by
        activity.anonymous_id,
        latest_logins.email,
        latest_logins.customer_key,
        latest_logins.occurred_at

)

select * from final
