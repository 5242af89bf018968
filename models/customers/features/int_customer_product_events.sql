{{
    config(
        materialized='incremental',
        unique_key='web_event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ delete_reloaded_keys('web_event_id', ref('fct_web_events'), 'occurred_at') }}",
        post_hook=erasure_hook({'anonymous_id': 'anonymous_id', 'customer_key': 'customer_key'})
    )
}}

{#-
    Product views and add-to-carts up to the as-of cut-off, attributed to
    customers: the events of every browser int_web_visitors links to a
    customer (its latest login), logged in or not. Browsers never logged in
    are not here. The one place anonymous browsing is resolved for the
    segmentation, personalization and trigger models, which read only these
    two event types. A table: four models read it, and DuckDB plans their
    joins well only on stored data.

    Incremental: a run attributes again the events loaded since the window
    start (the pre-hook first removes what those event ids stored, and
    anything at or after a cut-off moved back), every event of a browser
    whose owner is not the one stored (a new login, a browser linked for
    the first time), and the events from the latest stored one up to the
    cut-off (a cut-off moved forward). Everything else is unchanged by
    definition: an event's attribution depends only on its browser's owner
    and the cut-off.

    The as-of cut-off rides on the browsers and is checked in the join
    condition: as a filter after a cross join, DuckDB estimated a handful of
    events, built its hash table on the events instead of the browsers, and
    ran out of memory at scale (bench/README.md).
-#}

{%- set window_start = reload_window_start() -%}
{%- if window_start is not none -%}
    {%- set latest_stored = run_query('select max(occurred_at) from ' ~ this).columns[0].values()[0] -%}
{%- endif -%}

with

web_events as (

    select * from {{ ref('fct_web_events') }}
    where event_type in ('product_view', 'add_to_cart')

),

web_visitors as (

    select * from {{ ref('int_web_visitors') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

browsers as (

    select
        web_visitors.anonymous_id,
        web_visitors.last_login_customer_key as customer_key,
        as_of.as_of_cutoff_at

    from web_visitors
    cross join as_of
    where web_visitors.last_login_customer_key is not null

),

{% if window_start is not none %}
recent_browsers as (

    -- a browser's owner changes only with a login loaded since the window
    -- start, which moves the browser's _loaded_at into the window. Reads
    -- the ref, not the web_visitors CTE, as fct_web_sessions does: DuckDB
    -- materializes a CTE that is read twice
    select anonymous_id
    from {{ ref('int_web_visitors') }}
    where {{ loaded_since(window_start) }}

),

stored_owners as (

    -- a browser's events all carry its owner: one row each is enough
    select
        anonymous_id,
        max(customer_key) as customer_key

    from {{ this }}
    where anonymous_id in (select anonymous_id from recent_browsers)
    group by anonymous_id

),

reattributed_browsers as (

    select browsers.anonymous_id
    from browsers
    inner join recent_browsers
        on browsers.anonymous_id = recent_browsers.anonymous_id
    left join stored_owners
        on browsers.anonymous_id = stored_owners.anonymous_id
    where browsers.customer_key is distinct from stored_owners.customer_key

),

events_to_attribute as (

    select *
    from web_events
    where {{ loaded_since(window_start) }}
        or anonymous_id in (select anonymous_id from reattributed_browsers)
        {%- if latest_stored is not none %}
        or occurred_at >= cast('{{ latest_stored }}' as {{ dbt.type_timestamp() }})
        {%- endif %}

),
{% else %}
events_to_attribute as (

    select * from web_events

),
{% endif %}

final as (

    select
        events_to_attribute.web_event_id,
        browsers.customer_key,
        events_to_attribute.anonymous_id,
        events_to_attribute.session_id,
        events_to_attribute.product_id,
        events_to_attribute.event_type,
        events_to_attribute.occurred_at,
        events_to_attribute._loaded_at

    from events_to_attribute
    inner join browsers
        on events_to_attribute.anonymous_id = browsers.anonymous_id
        and events_to_attribute.occurred_at < browsers.as_of_cutoff_at

)

select * from final
