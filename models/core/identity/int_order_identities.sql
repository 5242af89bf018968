{{ config(materialized='view') }}

{#-
    Whose order it is: the account's email when the order names a known
    (clean) shop account, so an order placed with a typo'd or old email
    still lands on the account holder; else the checkout email (guest
    checkout). One row per clean order with its order time, erased people included (their
    readers leave them out).
-#}

with

orders as (

    select order_id, shop_customer_id, email, checkout_customer_key, ordered_at
    from {{ ref('int_orders_validated') }}
    where quarantine_reason is null

),

shop_customers as (

    select shop_customer_id, email, customer_key
    from {{ ref('int_shop_customers_validated') }}
    where quarantine_reason is null

),

final as (

    select
        orders.order_id,
        coalesce(shop_customers.customer_key, orders.checkout_customer_key) as customer_key,
        coalesce(shop_customers.email, orders.email) as email,
        orders.ordered_at

    from orders
    left join shop_customers
        on orders.shop_customer_id = shop_customers.shop_customer_id

)

select * from final
