{#-
    How strongly each customer has interacted with each product up to the
    as-of cut-off: purchases (orders that count as purchases, see
    int_customer_purchases) and product views or add-to-carts on the site.
    Anonymous browsing counts for the customer its browser is linked to
    (int_customer_product_events). Only recommendable products
    (int_recommendable_products).
-#}

with

purchases as (

    select * from {{ ref('int_customer_purchases') }}

),

order_items as (

    select * from {{ ref('fct_order_items') }}

),

web_events as (

    select * from {{ ref('int_customer_product_events') }}

),

recommendable_products as (

    select product_id from {{ ref('int_recommendable_products') }}

),

purchased_products as (

    select
        purchases.customer_key,
        order_items.product_id,
        count(distinct purchases.order_id) as purchase_count,
        0 as view_count,
        max(purchases.purchased_at) as last_interacted_at

    from purchases
    inner join order_items
        on purchases.order_id = order_items.order_id
    group by purchases.customer_key, order_items.product_id

),

viewed_products as (

    select
        customer_key,
        product_id,
        0 as purchase_count,
        count(*) as view_count,
        max(occurred_at) as last_interacted_at

    from web_events
    where product_id is not null
    group by customer_key, product_id

),

interactions as (

    select * from purchased_products
    union all
    select * from viewed_products

),

recommendable_interactions as (

    select interactions.*
    from interactions
    inner join recommendable_products
        on interactions.product_id = recommendable_products.product_id

),

final as (

    select
        customer_key,
        product_id,
        sum(purchase_count) as purchase_count,
        sum(view_count) as view_count,
        {{ var('recommendation_purchase_weight') }} * sum(purchase_count)
            + {{ var('recommendation_view_weight') }} * sum(view_count) as interaction_strength,
        sum(purchase_count) > 0 as has_purchased,
        max(last_interacted_at) as last_interacted_at

    from recommendable_interactions
    group by customer_key, product_id

)

select * from final
