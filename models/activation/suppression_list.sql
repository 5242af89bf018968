{#-
    Everyone marketing email must not reach as of the as-of date, with the
    reason, for ESPs that import a suppression list (and as the audit of why
    a customer is missing from esp_contacts). People who asked to be erased
    are not listed: their data is deleted, not kept (doc block `erasure`).
-#}

with

suppressions as (

    select * from {{ ref('int_contact_suppressions') }}

),

customers as (

    select customer_id, email from {{ ref('customers') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        suppressions.customer_id as external_id,
        customers.email,
        {{ sha256('customers.email') }} as email_sha256,
        suppressions.suppression_reason,
        suppressions.has_complained,
        suppressions.has_hard_bounced,
        suppressions.is_unsubscribed,
        suppressions.lacks_required_consent,
        suppressions.suppressed_at,
        as_of.as_of_cutoff_at as updated_at

    from suppressions
    inner join customers
        on suppressions.customer_id = customers.customer_id
    cross join as_of

)

select * from final
