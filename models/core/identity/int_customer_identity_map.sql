{{ config(materialized='view') }}

{#-
    Identity resolution. A customer is one normalized email address; every
    source record is linked to the email it resolves to:

      crm_contact      the contact's email
      shop_customer    the account's email
      shop_order       the account's email when the order names a known
                       account, else the checkout email (guest checkout):
                       int_order_identities
      esp_recipient    the recipient email
      web_visitor      the email the browser (anonymous_id) last logged in
                       with, which also claims its anonymous sessions
      consent_subject  the email whose permission changed

    customer_id is a hash of the email, so it is stable across rebuilds;
    customer_key is the integer key the warehouse joins on. People with a
    valid erasure request are left out, which removes them from everything
    built on this map. A view: readers filter on source_system, and only the
    branches they ask for are computed.
-#}

with

contacts as (

    select contact_id, email, customer_key
    from {{ ref('int_contacts_validated') }}
    where quarantine_reason is null

),

shop_customers as (

    select shop_customer_id, email, customer_key
    from {{ ref('int_shop_customers_validated') }}
    where quarantine_reason is null

),

order_identities as (

    select * from {{ ref('int_order_identities') }}

),

email_recipients as (

    select email, customer_key
    from {{ ref('int_email_recipients') }}

),

web_visitors as (

    select anonymous_id, last_login_email as email, last_login_customer_key as customer_key
    from {{ ref('int_web_visitors') }}
    where last_login_email is not null

),

consent_subjects as (

    select distinct email, customer_key
    from {{ ref('int_consent_events_validated') }}
    where quarantine_reason is null

),

erased as (

    select distinct customer_key
    from {{ ref('int_erased_identities') }}

),

links as (

    select 'crm_contact' as source_system, contact_id as source_key, email, customer_key
    from contacts

    union all

    select 'shop_customer' as source_system, cast(shop_customer_id as {{ dbt.type_string() }}) as source_key, email, customer_key
    from shop_customers

    union all

    select 'shop_order' as source_system, cast(order_id as {{ dbt.type_string() }}) as source_key, email, customer_key
    from order_identities

    union all

    select 'esp_recipient' as source_system, email as source_key, email, customer_key
    from email_recipients

    union all

    select 'web_visitor' as source_system, anonymous_id as source_key, email, customer_key
    from web_visitors

    union all

    select 'consent_subject' as source_system, email as source_key, email, customer_key
    from consent_subjects

),

final as (

    select
        {{ surrogate_key(['links.source_system', 'links.source_key']) }} as identity_link_id,
        {{ surrogate_key(['links.email']) }} as customer_id,
        links.customer_key,
        links.source_system,
        links.source_key,
        links.email

    from links
    left join erased
        on links.customer_key = erased.customer_key
    where erased.customer_key is null

)

select * from final
