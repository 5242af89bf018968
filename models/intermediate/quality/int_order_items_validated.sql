with

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

orders as (

    select
        order_id,
        max(case when quarantine_reason is null then fx_rate_to_reporting end) as fx_rate_to_reporting,
        max(case when quarantine_reason is null then 1 else 0 end) = 1 as has_clean_version

    from {{ ref('int_orders_validated') }}
    where order_id is not null
    group by order_id

),

products as (

    select distinct product_id from {{ ref('stg_shop__products') }}

),

checked as (

    select
        order_items.*,
        cast(order_items.unit_price_local * orders.fx_rate_to_reporting as {{ dbt.type_numeric() }}) as unit_price,
        coalesce(
            order_items.invalid_reason,
            case when orders.order_id is null then 'orphan_order' end,
            case when products.product_id is null then 'orphan_product' end,
            case when not orders.has_clean_version then 'parent_order_quarantined' end
        ) as failed_check

    from order_items
    left join orders
        on order_items.order_id = orders.order_id
    left join products
        on order_items.product_id = products.product_id

),

verdict as (

    {{ quarantine_verdict('checked', key_columns=['order_item_id'], failed_check='failed_check') }}

)

select * from verdict
