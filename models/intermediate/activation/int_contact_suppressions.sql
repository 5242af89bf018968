{#-
    One row per customer who must not receive marketing email as of the
    as-of date, with every reason that applies and the one reported first:
      1. spam_complaint  any spam complaint, ever (permanent);
      2. hard_bounced    any hard bounce, ever (permanent: the address is dead);
      3. unsubscribed    the latest email consent event is an unsubscribe, or
                         the ESP recorded an unsubscribe after it;
      4. no_consent      no opt-in on record where opt-in is required: every
                         country not in `email_opt_out_countries`, and an
                         unknown country.
    People who asked to be erased are not customers at all (see
    int_customer_identity_map), so they never reach this model.
-#}

with

customers as (

    select * from {{ ref('customers') }}

),

email_events as (

    select * from {{ ref('fct_email_events') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

esp_outcomes as (

    select
        email_events.customer_key,
        min(case when email_events.event_type = 'spam_complaint' then email_events.occurred_at end) as first_complained_at,
        min(case when email_events.event_type = 'bounce_hard' then email_events.occurred_at end) as first_hard_bounced_at,
        max(case when email_events.event_type = 'unsubscribe' then email_events.occurred_at end) as last_esp_unsubscribed_at

    from email_events
    cross join as_of
    where email_events.occurred_at < as_of.as_of_cutoff_at
        and email_events.event_type in ('spam_complaint', 'bounce_hard', 'unsubscribe')
    group by email_events.customer_key

),

flags as (

    select
        customers.customer_id,
        customers.customer_key,
        esp_outcomes.first_complained_at,
        esp_outcomes.first_hard_bounced_at,
        case
            when customers.email_consent_status = 'unsubscribed'
                then customers.email_consent_changed_at
            -- an unsubscribe in the ESP that the consent feed has not caught up with
            when esp_outcomes.last_esp_unsubscribed_at > customers.email_consent_changed_at
                or (customers.email_consent_changed_at is null and esp_outcomes.last_esp_unsubscribed_at is not null)
                then esp_outcomes.last_esp_unsubscribed_at
        end as unsubscribed_at,
        customers.email_consent_status <> 'subscribed'
            and (
                customers.country_code is null
                or customers.country_code not in (
                    {%- for country in var('email_opt_out_countries') -%}
                    '{{ country }}'{{ ", " if not loop.last }}
                    {%- endfor -%}
                )
            ) as lacks_required_consent

    from customers
    left join esp_outcomes
        on customers.customer_key = esp_outcomes.customer_key

),

final as (

    select
        customer_id,
        customer_key,
        case
            when first_complained_at is not null then 'spam_complaint'
            when first_hard_bounced_at is not null then 'hard_bounced'
            when unsubscribed_at is not null then 'unsubscribed'
            else 'no_consent'
        end as suppression_reason,
        first_complained_at is not null as has_complained,
        first_hard_bounced_at is not null as has_hard_bounced,
        unsubscribed_at is not null as is_unsubscribed,
        lacks_required_consent,
        coalesce(first_complained_at, first_hard_bounced_at, unsubscribed_at) as suppressed_at

    from flags
    where first_complained_at is not null
        or first_hard_bounced_at is not null
        or unsubscribed_at is not null
        or lacks_required_consent

)

select * from final
