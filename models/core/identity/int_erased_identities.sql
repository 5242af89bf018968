{#-
    Everything that identifies a person who asked to be erased: their
    customer (customer_id and customer_key, which their email hashes to), and
    every browser (anonymous_id) that ever logged in with that email. Facts,
    snapshots and logs delete rows matching any of them.
-#}

with

erased_customers as (

    -- fail closed: every request with an address, whatever else is wrong
    -- with its row (see the doc block email_permission_rules)
    select distinct customer_key, email
    from {{ ref('int_deletion_requests_validated') }}
    where email is not null

),

browser_logins as (

    select distinct anonymous_id, customer_key
    from {{ ref('int_web_events_validated') }}
    where invalid_reason is null
        and customer_key in (select customer_key from erased_customers)

),

identities as (

    select
        'customer' as identity_type,
        erased_customers.customer_key,
        erased_customers.email,
        cast(null as {{ dbt.type_string() }}) as anonymous_id

    from erased_customers

    union all

    select
        'browser' as identity_type,
        erased_customers.customer_key,
        erased_customers.email,
        browser_logins.anonymous_id

    from erased_customers
    inner join browser_logins
        on erased_customers.customer_key = browser_logins.customer_key

),

final as (

    select
        {{ surrogate_key(['identity_type', 'email', 'anonymous_id']) }} as erased_identity_id,
        identity_type,
        {{ surrogate_key(['email']) }} as customer_id,
        customer_key,
        anonymous_id

    from identities

)

select * from final
