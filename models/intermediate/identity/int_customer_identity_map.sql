{#-
    Identity resolution. A customer is one normalized email address; every
    source record is linked to the email it resolves to:

      crm_contact      the contact's email
      shop_customer    the account's email
      shop_order       the account's email when the order names a known
                       account (so an order placed with a typo'd or old email
                       still lands on the account holder), else the checkout
                       email (guest checkout)
      esp_recipient    the recipient email
      web_visitor      the email the browser (anonymous_id) last logged in
                       with, which also claims its anonymous sessions
      consent_subject  the email whose permission changed

    customer_id is a hash of the email, so it is stable across rebuilds.
    People with a valid erasure request are left out here, which removes
    them from everything built on this map.
-#}

with

contacts as (

    select contact_id, email
    from {{ ref('int_contacts_validated') }}
    where quarantine_reason is null

),

shop_customers as (

    select shop_customer_id, email
    from {{ ref('int_shop_customers_validated') }}
    where quarantine_reason is null

),

orders as (

    select order_id, shop_customer_id, email
    from {{ ref('int_orders_validated') }}
    where quarantine_reason is null

),

email_recipients as (

    select distinct email
    from {{ ref('int_email_events_validated') }}
    where quarantine_reason is null

),

web_logins as (

    select anonymous_id, email, occurred_at
    from {{ ref('int_web_events_validated') }}
    where quarantine_reason is null
        and email is not null

),

consent_subjects as (

    select distinct email
    from {{ ref('int_consent_events_validated') }}
    where quarantine_reason is null

),

erased as (

    select email
    from {{ ref('int_deletion_requests_validated') }}
    where quarantine_reason is null

),

order_identities as (

    select
        orders.order_id,
        coalesce(shop_customers.email, orders.email) as email

    from orders
    left join shop_customers
        on orders.shop_customer_id = shop_customers.shop_customer_id

),

latest_web_logins as (

    select
        anonymous_id,
        email,
        row_number() over (partition by anonymous_id order by occurred_at desc, email) as login_recency_rank

    from web_logins

),

links as (

    select 'crm_contact' as source_system, cast(contact_id as {{ dbt.type_string() }}) as source_key, email
    from contacts

    union all

    select 'shop_customer' as source_system, cast(shop_customer_id as {{ dbt.type_string() }}) as source_key, email
    from shop_customers

    union all

    select 'shop_order' as source_system, cast(order_id as {{ dbt.type_string() }}) as source_key, email
    from order_identities

    union all

    select 'esp_recipient' as source_system, email as source_key, email
    from email_recipients

    union all

    select 'web_visitor' as source_system, anonymous_id as source_key, email
    from latest_web_logins
    where login_recency_rank = 1

    union all

    select 'consent_subject' as source_system, email as source_key, email
    from consent_subjects

),

final as (

    select
        {{ surrogate_key(['links.source_system', 'links.source_key']) }} as identity_link_id,
        {{ surrogate_key(['links.email']) }} as customer_id,
        links.source_system,
        links.source_key,
        links.email

    from links
    left join erased
        on links.email = erased.email
    where erased.email is null

)

select * from final
