{#- One row per person of the identity spine first seen by the as-of date; survivorship rules: the doc block `customer_survivorship` (models/_docs.md). -#}

with

identity_links as (

    select * from {{ ref('int_customer_identity_map') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

contacts as (

    select * from {{ ref('int_contacts_validated') }}
    where quarantine_reason is null

),

shop_customers as (

    select * from {{ ref('int_shop_customers_validated') }}
    where quarantine_reason is null

),

email_consent as (

    select * from {{ ref('int_customer_email_consent') }}

),

sms_consent_events as (

    select consent_events.*
    from {{ ref('int_consent_events_validated') }} as consent_events
    cross join as_of
    where consent_events.quarantine_reason is null
        and consent_events.consent_channel = 'sms'
        and consent_events.occurred_at < as_of.as_of_cutoff_at

),

{%- set source_flags = {
    'crm_contact': 'is_in_crm',
    'shop_customer': 'is_in_shop',
    'shop_order': 'has_ordered',
    'esp_recipient': 'has_email_activity',
    'web_visitor': 'has_web_activity',
    'consent_subject': 'has_consent_record',
} %}

source_activity as (

    select
        customer_key,
        email,
        {{ surrogate_key(['email']) }} as customer_id,
        {%- for source_system, flag in source_flags.items() %}
        max(case when source_system = '{{ source_system }}' then 1 else 0 end) = 1 as {{ flag }},
        {%- endfor %}
        min(first_seen_at) as first_seen_at

    from identity_links
    group by customer_key, email

),

ranked_contacts as (

    select
        *,
        row_number() over (partition by customer_key order by updated_at desc, contact_id) as recency_rank

    from contacts

),

crm_profiles as (

    select
        customer_key,
        contact_id,
        first_name,
        last_name,
        birth_date,
        city,
        region,
        country_code,
        updated_at

    from ranked_contacts
    where recency_rank = 1

),

ranked_shop_customers as (

    select
        *,
        row_number() over (partition by customer_key order by updated_at desc, shop_customer_id) as recency_rank

    from shop_customers

),

shop_profiles as (

    select
        customer_key,
        shop_customer_id,
        first_name,
        last_name,
        is_accepting_marketing,
        updated_at

    from ranked_shop_customers
    where recency_rank = 1

),

ranked_sms_consent_events as (

    select
        customer_key,
        consent_status,
        row_number() over (
            partition by customer_key
            order by occurred_at desc, consent_status desc
        ) as recency_rank

    from sms_consent_events

),

sms_consent as (

    select
        customer_key,
        consent_status as sms_consent_status

    from ranked_sms_consent_events
    where recency_rank = 1

),

final as (

    select
        -- ids
        source_activity.customer_id,
        source_activity.customer_key,
        crm_profiles.contact_id as crm_contact_id,
        shop_profiles.shop_customer_id,

        -- strings
        source_activity.email,
        case
            when shop_profiles.updated_at > crm_profiles.updated_at
                then coalesce(shop_profiles.first_name, crm_profiles.first_name)
            else coalesce(crm_profiles.first_name, shop_profiles.first_name)
        end as first_name,
        case
            when shop_profiles.updated_at > crm_profiles.updated_at
                then coalesce(shop_profiles.last_name, crm_profiles.last_name)
            else coalesce(crm_profiles.last_name, shop_profiles.last_name)
        end as last_name,
        crm_profiles.city,
        crm_profiles.region,
        crm_profiles.country_code,
        coalesce(email_consent.email_consent_status, 'no_record') as email_consent_status,
        case when email_consent.email_consent_status = 'subscribed' then email_consent.opt_in_source end
            as email_consent_source,
        coalesce(sms_consent.sms_consent_status, 'no_record') as sms_consent_status,

        -- booleans
        source_activity.is_in_crm,
        source_activity.is_in_shop,
        source_activity.has_ordered,
        source_activity.has_email_activity,
        source_activity.has_web_activity,
        source_activity.has_consent_record,
        shop_profiles.is_accepting_marketing as is_shop_accepting_marketing,

        -- dates
        crm_profiles.birth_date,

        -- timestamps
        case
            when email_consent.email_consent_status = 'subscribed' then email_consent.opted_in_at
            else email_consent.unsubscribed_at
        end as email_consent_changed_at,
        source_activity.first_seen_at

    from source_activity
    cross join as_of
    left join crm_profiles
        on source_activity.customer_key = crm_profiles.customer_key
    left join shop_profiles
        on source_activity.customer_key = shop_profiles.customer_key
    left join email_consent
        on source_activity.customer_key = email_consent.customer_key
    left join sms_consent
        on source_activity.customer_key = sms_consent.customer_key
    where source_activity.first_seen_at < as_of.as_of_cutoff_at

)

select * from final
