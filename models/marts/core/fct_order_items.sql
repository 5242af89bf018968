{{
    config(
        materialized='incremental',
        unique_key='order_item_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="delete from {{ this }} where order_id not in (select order_id from {{ ref('fct_orders') }})"
    )
}}

-- depends_on: {{ ref('int_orders_validated') }}

{#-
    One row per clean order line of an order in fct_orders. A line's verdict
    and price depend on its order, so an incremental run also re-derives the
    lines of every order with a row loaded since the window start. Lines of
    erased customers' orders go with their order (post-hook).
#}

with

order_items as (

    select * from {{ ref('int_order_items_validated') }}
    where quarantine_reason is null

),

orders as (

    select order_id from {{ ref('fct_orders') }}

),

{% if is_incremental() %}
changed_items as (

    select order_item_id
    from {{ ref('int_order_items_validated') }}
    where _loaded_at >= {{ incremental_window_start() }}

    union

    select order_items.order_item_id
    from order_items
    inner join {{ ref('int_orders_validated') }} as order_versions
        on order_items.order_id = order_versions.order_id
    where order_versions._loaded_at >= {{ incremental_window_start() }}

),
{% endif %}

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
    {% if is_incremental() %}
    where order_items.order_item_id in (select order_item_id from changed_items)
    {% endif %}

)

select * from final
