{#-
    Customer 360 base: one row per resolved customer first seen by the as-of
    date. Survivorship, when sources disagree:
      - names: the most recently updated non-null value of CRM and shop;
      - birth date and location: the CRM (the shop does not hold them);
      - the shop account: the most recently updated account with this email;
      - marketing consent: the latest consent event per channel up to the
        as-of date (the shop's accepts_marketing flag is kept for reference).
-#}

with

identity_map as (

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

source_activity as (

    select * from {{ ref('int_customer_source_activity') }}

),

consent_events as (

    select consent_events.*
    from {{ ref('int_consent_events_validated') }} as consent_events
    cross join as_of
    where consent_events.quarantine_reason is null
        and consent_events.occurred_at < as_of.as_of_cutoff_at

),

customer_emails as (

    select distinct customer_id, email
    from identity_map

),

crm_profiles as (

    select
        identity_map.customer_id,
        contacts.contact_id,
        contacts.first_name,
        contacts.last_name,
        contacts.birth_date,
        contacts.city,
        contacts.region,
        contacts.country_code,
        contacts.created_at,
        contacts.updated_at,
        row_number() over (
            partition by identity_map.customer_id
            order by contacts.updated_at desc, contacts.contact_id
        ) as profile_rank

    from identity_map
    inner join contacts
        on identity_map.source_key = contacts.contact_id
    where identity_map.source_system = 'crm_contact'

),

shop_profiles as (

    select
        identity_map.customer_id,
        shop_customers.shop_customer_id,
        shop_customers.first_name,
        shop_customers.last_name,
        shop_customers.is_accepting_marketing,
        shop_customers.created_at,
        shop_customers.updated_at,
        row_number() over (
            partition by identity_map.customer_id
            order by shop_customers.updated_at desc, shop_customers.shop_customer_id
        ) as profile_rank

    from identity_map
    inner join shop_customers
        on identity_map.source_key = cast(shop_customers.shop_customer_id as {{ dbt.type_string() }})
    where identity_map.source_system = 'shop_customer'

),

latest_consent as (

    select
        email,
        consent_channel,
        consent_status,
        consent_source,
        occurred_at,
        row_number() over (
            partition by email, consent_channel
            order by occurred_at desc, consent_status desc
        ) as consent_recency_rank

    from consent_events

),

consent_by_email as (

    select
        email,
        max(case when consent_channel = 'email' then consent_status end) as email_consent_status,
        max(case when consent_channel = 'email' then consent_source end) as email_consent_source,
        max(case when consent_channel = 'email' then occurred_at end) as email_consent_changed_at,
        max(case when consent_channel = 'sms' then consent_status end) as sms_consent_status

    from latest_consent
    where consent_recency_rank = 1
    group by email

),

joined as (

    select
        customer_emails.customer_id,
        crm_profiles.contact_id as crm_contact_id,
        shop_profiles.shop_customer_id,
        customer_emails.email,
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
        coalesce(consent_by_email.email_consent_status, 'no_record') as email_consent_status,
        consent_by_email.email_consent_source,
        coalesce(consent_by_email.sms_consent_status, 'no_record') as sms_consent_status,
        source_activity.is_in_crm,
        source_activity.is_in_shop,
        source_activity.has_ordered,
        source_activity.has_email_activity,
        source_activity.has_web_activity,
        source_activity.has_consent_record,
        shop_profiles.is_accepting_marketing as is_shop_accepting_marketing,
        crm_profiles.birth_date,
        consent_by_email.email_consent_changed_at,
        source_activity.first_seen_at

    from customer_emails
    left join crm_profiles
        on customer_emails.customer_id = crm_profiles.customer_id
        and crm_profiles.profile_rank = 1
    left join shop_profiles
        on customer_emails.customer_id = shop_profiles.customer_id
        and shop_profiles.profile_rank = 1
    inner join source_activity
        on customer_emails.customer_id = source_activity.customer_id
    left join consent_by_email
        on customer_emails.email = consent_by_email.email

),

final as (

    select joined.*
    from joined
    cross join as_of
    where joined.first_seen_at < as_of.as_of_cutoff_at

)

select * from final
