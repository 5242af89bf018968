{{ config(materialized='view') }}

{#-
    One row per clean order line of an order in fct_orders (so lines of
    erased people's orders go with their order). A view of the validated
    table, which already re-derives a line's verdict and price when its
    order changes.
-#}

with

order_items as (

    select * from {{ ref('int_order_items_validated') }}
    where quarantine_reason is null

),

orders as (

    select order_id from {{ ref('fct_orders') }}

),

final as (

    select
        -- ids
        order_items.order_item_id,
        order_items.order_id,
        order_items.product_id,

        -- numerics (reporting currency)
        order_items.quantity,
        order_items.unit_price,
        order_items.quantity * order_items.unit_price as line_amount,

        -- timestamps
        order_items._loaded_at

    from order_items
    inner join orders
        on order_items.order_id = orders.order_id

)

select * from final
