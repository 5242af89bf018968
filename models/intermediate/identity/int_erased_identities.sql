{#-
    Everything that identifies a person who asked to be erased: the
    customer_id their email hashes to, and every browser (anonymous_id) that
    ever logged in with that email. Facts delete rows matching any of them.
-#}

with

erased_emails as (

    select distinct email
    from {{ ref('int_deletion_requests_validated') }}
    where quarantine_reason is null

),

web_logins as (

    select distinct anonymous_id, email
    from {{ ref('int_web_events_validated') }}
    where quarantine_reason is null
        and email is not null

),

identities as (

    select
        'customer_id' as identity_type,
        {{ surrogate_key(['email']) }} as identity_value

    from erased_emails

    union

    select
        'anonymous_id' as identity_type,
        web_logins.anonymous_id as identity_value

    from erased_emails
    inner join web_logins
        on erased_emails.email = web_logins.email

),

final as (

    select
        {{ surrogate_key(['identity_type', 'identity_value']) }} as erased_identity_id,
        identity_type,
        identity_value

    from identities

)

select * from final
