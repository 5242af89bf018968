{#-
    Every customer, one row each: their email and keys, which sources they
    appear in, and when they were first seen in any. Built from one small
    aggregate per source (the event sources keep theirs incrementally:
    int_email_recipients, int_web_visitors), so no event table is scanned.
-#}

with

contacts as (

    select customer_key, email, min(created_at) as first_at
    from {{ ref('int_contacts_validated') }}
    where quarantine_reason is null
    group by customer_key, email

),

shop_customers as (

    select customer_key, email, min(created_at) as first_at
    from {{ ref('int_shop_customers_validated') }}
    where quarantine_reason is null
    group by customer_key, email

),

orders as (

    select customer_key, email, min(ordered_at) as first_at
    from {{ ref('int_order_identities') }}
    group by customer_key, email

),

email_recipients as (

    select customer_key, email, first_event_at as first_at
    from {{ ref('int_email_recipients') }}

),

web_visitors as (

    select last_login_customer_key as customer_key, last_login_email as email, min(first_event_at) as first_at
    from {{ ref('int_web_visitors') }}
    where last_login_email is not null
    group by last_login_customer_key, last_login_email

),

consent_subjects as (

    select customer_key, email, min(occurred_at) as first_at
    from {{ ref('int_consent_events_validated') }}
    where quarantine_reason is null
    group by customer_key, email

),

erased as (

    select distinct customer_key
    from {{ ref('int_erased_identities') }}

),

first_appearances as (

    {%- for source_system, relation in [
        ('crm_contact', 'contacts'),
        ('shop_customer', 'shop_customers'),
        ('shop_order', 'orders'),
        ('esp_recipient', 'email_recipients'),
        ('web_visitor', 'web_visitors'),
        ('consent_subject', 'consent_subjects'),
    ] %}
    select customer_key, email, '{{ source_system }}' as source_system, first_at
    from {{ relation }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        first_appearances.customer_key,
        {{ surrogate_key(['first_appearances.email']) }} as customer_id,
        first_appearances.email,
        {%- for flag, system in [
            ('is_in_crm', 'crm_contact'),
            ('is_in_shop', 'shop_customer'),
            ('has_ordered', 'shop_order'),
            ('has_email_activity', 'esp_recipient'),
            ('has_web_activity', 'web_visitor'),
            ('has_consent_record', 'consent_subject'),
        ] %}
        max(case when first_appearances.source_system = '{{ system }}' then 1 else 0 end) = 1 as {{ flag }},
        {%- endfor %}
        min(first_appearances.first_at) as first_seen_at

    from first_appearances
    left join erased
        on first_appearances.customer_key = erased.customer_key
    where erased.customer_key is null
    group by first_appearances.customer_key, first_appearances.email

)

select * from final
