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
        suppressions.suppressed_at

    from suppressions
    inner join customers
        on suppressions.customer_id = customers.customer_id

)

{{ select_with_change_cursor('final', 'external_id') }}
