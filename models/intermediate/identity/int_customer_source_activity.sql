{#-
    Which sources each customer appears in and when they were first seen in
    each: one row per customer, built as a union of per-source first
    appearances (aggregated per source key before joining to the map).
-#}

with

identity_map as (

    select * from {{ ref('int_customer_identity_map') }}

),

contacts as (

    select contact_id, created_at
    from {{ ref('int_contacts_validated') }}
    where quarantine_reason is null

),

shop_customers as (

    select shop_customer_id, created_at
    from {{ ref('int_shop_customers_validated') }}
    where quarantine_reason is null

),

orders as (

    select order_id, ordered_at
    from {{ ref('int_orders_validated') }}
    where quarantine_reason is null

),

email_recipients as (

    select email, min(occurred_at) as first_at
    from {{ ref('int_email_events_validated') }}
    where quarantine_reason is null
    group by email

),

web_visitors as (

    select anonymous_id, min(occurred_at) as first_at
    from {{ ref('int_web_events_validated') }}
    where quarantine_reason is null
    group by anonymous_id

),

consent_subjects as (

    select email, min(occurred_at) as first_at
    from {{ ref('int_consent_events_validated') }}
    where quarantine_reason is null
    group by email

),

first_appearances as (

    select identity_map.customer_id, identity_map.source_system, contacts.created_at as first_at
    from identity_map
    inner join contacts
        on identity_map.source_key = contacts.contact_id
    where identity_map.source_system = 'crm_contact'

    union all

    select identity_map.customer_id, identity_map.source_system, shop_customers.created_at as first_at
    from identity_map
    inner join shop_customers
        on identity_map.source_key = cast(shop_customers.shop_customer_id as {{ dbt.type_string() }})
    where identity_map.source_system = 'shop_customer'

    union all

    select identity_map.customer_id, identity_map.source_system, orders.ordered_at as first_at
    from identity_map
    inner join orders
        on identity_map.source_key = cast(orders.order_id as {{ dbt.type_string() }})
    where identity_map.source_system = 'shop_order'

    union all

    select identity_map.customer_id, identity_map.source_system, email_recipients.first_at
    from identity_map
    inner join email_recipients
        on identity_map.source_key = email_recipients.email
    where identity_map.source_system = 'esp_recipient'

    union all

    select identity_map.customer_id, identity_map.source_system, web_visitors.first_at
    from identity_map
    inner join web_visitors
        on identity_map.source_key = web_visitors.anonymous_id
    where identity_map.source_system = 'web_visitor'

    union all

    select identity_map.customer_id, identity_map.source_system, consent_subjects.first_at
    from identity_map
    inner join consent_subjects
        on identity_map.source_key = consent_subjects.email
    where identity_map.source_system = 'consent_subject'

),

final as (

    select
        customer_id,
        {%- for flag, system in [
            ('is_in_crm', 'crm_contact'),
            ('is_in_shop', 'shop_customer'),
            ('has_ordered', 'shop_order'),
            ('has_email_activity', 'esp_recipient'),
            ('has_web_activity', 'web_visitor'),
            ('has_consent_record', 'consent_subject'),
        ] %}
        max(case when source_system = '{{ system }}' then 1 else 0 end) = 1 as {{ flag }},
        {%- endfor %}
        min(first_at) as first_seen_at

    from first_appearances
    group by customer_id

)

select * from final
