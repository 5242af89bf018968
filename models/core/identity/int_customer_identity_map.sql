{{ config(materialized='view') }}

{#- The identity spine; its rules are the doc block `identity_resolution` (models/_docs.md). -#}

with

contacts as (

    select contact_id, email, customer_key, created_at
    from {{ ref('int_contacts_validated') }}
    where quarantine_reason is null

),

shop_customers as (

    select shop_customer_id, email, customer_key, created_at
    from {{ ref('int_shop_customers_validated') }}
    where quarantine_reason is null

),

order_identities as (

    select * from {{ ref('int_order_identities') }}

),

email_recipients as (

    select email, customer_key, first_event_at
    from {{ ref('int_email_recipients') }}

),

web_visitors as (

    select anonymous_id, last_login_email as email, last_login_customer_key as customer_key, first_event_at
    from {{ ref('int_web_visitors') }}
    where last_login_email is not null

),

consent_subjects as (

    select email, customer_key, min(occurred_at) as first_event_at
    from {{ ref('int_consent_events_validated') }}
    where quarantine_reason is null
    group by email, customer_key

),

links as (

    select 'crm_contact' as source_system, contact_id as source_key, email, customer_key, created_at as first_seen_at
    from contacts

    union all

    select 'shop_customer' as source_system, cast(shop_customer_id as {{ dbt.type_string() }}) as source_key, email, customer_key, created_at as first_seen_at
    from shop_customers

    union all

    select 'shop_order' as source_system, cast(order_id as {{ dbt.type_string() }}) as source_key, email, customer_key, ordered_at as first_seen_at
    from order_identities

    union all

    select 'esp_recipient' as source_system, email as source_key, email, customer_key, first_event_at as first_seen_at
    from email_recipients

    union all

    select 'web_visitor' as source_system, anonymous_id as source_key, email, customer_key, first_event_at as first_seen_at
    from web_visitors

    union all

    select 'consent_subject' as source_system, email as source_key, email, customer_key, first_event_at as first_seen_at
    from consent_subjects

),

final as (

    select
        -- ids
        {{ surrogate_key(['source_system', 'source_key']) }} as identity_link_id,
        {{ surrogate_key(['email']) }} as customer_id,
        customer_key,

        -- strings
        source_system,
        source_key,
        email,

        -- timestamps
        first_seen_at

    from links
    -- the one place people are erased: everything built on the spine leaves them out
    where {{ not_erased('links.customer_key') }}

)

select * from final
