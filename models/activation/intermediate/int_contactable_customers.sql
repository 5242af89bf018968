{#-
    The people marketing email may go to as of the as-of date: every customer
    not in int_contact_suppressions. Every activation table starts here, so
    suppression is decided once.
-#}

with

customers as (

    select * from {{ ref('customers') }}

),

suppressions as (

    select customer_key from {{ ref('int_contact_suppressions') }}

),

final as (

    select customers.*
    from customers
    left join suppressions
        on customers.customer_key = suppressions.customer_key
    where suppressions.customer_key is null

)

select * from final
