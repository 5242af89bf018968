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
    The ESP evidence is every event row that names a valid address, also
    rows quarantined for their id, their campaign or their time: a complaint
    whose row lacks an event id still happened. A row with a missing,
    unparseable or future time counts from its _loaded_at, when the ESP had
    certainly recorded it.
    People who asked to be erased are not customers at all (see
    int_customer_identity_map), so they never reach this model.
-#}

with

customers as (

    select * from {{ ref('customers') }}

),

email_events as (

    select * from {{ ref('int_email_events_validated') }}
    where event_type in ('spam_complaint', 'bounce_hard', 'unsubscribe')
        and coalesce(quarantine_reason, 'none') not in ('invalid_email', 'test_account')

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

recorded_outcomes as (

    select
        customer_key,
        event_type,
        case
            when quarantine_reason in ('missing_timestamp', 'unparseable_timestamp', 'future_timestamp')
                then _loaded_at
            else occurred_at
        end as recorded_at

    from email_events

),

esp_outcomes as (

    select
        recorded_outcomes.customer_key,
        min(case when recorded_outcomes.event_type = 'spam_complaint' then recorded_outcomes.recorded_at end)
            as first_complained_at,
        min(case when recorded_outcomes.event_type = 'bounce_hard' then recorded_outcomes.recorded_at end)
            as first_hard_bounced_at,
        max(case when recorded_outcomes.event_type = 'unsubscribe' then recorded_outcomes.recorded_at end)
            as last_esp_unsubscribed_at

    from recorded_outcomes
    cross join as_of
    where recorded_outcomes.recorded_at < as_of.as_of_cutoff_at
    group by recorded_outcomes.customer_key

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
