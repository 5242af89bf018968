{#-
    One row per customer who must not receive marketing email, with every
    reason that applies and the one reported first. The rules are the doc
    block `email_permission_rules` (models/_docs.md); the evidence comes
    from int_customer_email_consent. People who asked to be erased are not
    customers at all (see int_customer_identity_map), so they never reach
    this model.
-#}

with

customers as (

    select * from {{ ref('customers') }}

),

email_consent as (

    select * from {{ ref('int_customer_email_consent') }}

),

flags as (

    select
        customers.customer_id,
        customers.customer_key,
        email_consent.first_complained_at,
        email_consent.first_hard_bounced_at,
        case when email_consent.is_unsubscribed then email_consent.unsubscribed_at end as unsubscribed_at,
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
    left join email_consent
        on customers.customer_key = email_consent.customer_key

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
