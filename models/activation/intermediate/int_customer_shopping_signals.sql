{#-
    Recent shopping behaviour the personalization triggers react to, one row
    per customer with an abandoned cart or a purchase as of the as-of date:
      - abandoned cart: the latest add-to-cart not followed by an order of the
        same customer within var cart_abandonment_hours (which must have
        passed by the cut-off); its age in hours at the cut-off and its web
        session;
      - last purchase category: the category with the largest share of the
        latest purchase, and its complement from the seed
        complementary_categories.
-#}

with

web_events as (

    select * from {{ ref('int_customer_product_events') }}

),

orders as (

    select customer_key, ordered_at from {{ ref('fct_orders') }}

),

purchases as (

    select * from {{ ref('int_customer_purchases') }}

),

order_items as (

    select * from {{ ref('fct_order_items') }}

),

products as (

    select * from {{ ref('products') }}

),

complementary_categories as (

    select * from {{ ref('complementary_categories') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

cart_adds as (

    select
        web_events.customer_key,
        web_events.session_id,
        web_events.occurred_at as added_at

    from web_events
    cross join as_of
    where web_events.event_type = 'add_to_cart'
        and web_events.occurred_at < {{ dbt.dateadd('hour', -var('cart_abandonment_hours'), 'as_of.as_of_cutoff_at') }}

),

abandoned_carts as (

    select
        cart_adds.customer_key,
        cart_adds.session_id,
        cart_adds.added_at,
        row_number() over (
            partition by cart_adds.customer_key
            order by cart_adds.added_at desc, cart_adds.session_id
        ) as recency_rank

    from cart_adds
    left join orders
        on cart_adds.customer_key = orders.customer_key
        and orders.ordered_at >= cart_adds.added_at
        and orders.ordered_at < {{ dbt.dateadd('hour', var('cart_abandonment_hours'), 'cart_adds.added_at') }}
    where orders.customer_key is null

),

latest_abandoned_carts as (

    select
        abandoned_carts.customer_key,
        abandoned_carts.session_id as abandoned_cart_session_id,
        {{ dbt.datediff('abandoned_carts.added_at', 'as_of.as_of_cutoff_at', 'hour') }} as abandoned_cart_age_hours

    from abandoned_carts
    cross join as_of
    where abandoned_carts.recency_rank = 1

),

ranked_purchases as (

    select
        customer_key,
        order_id,
        row_number() over (partition by customer_key order by purchased_at desc, order_id desc) as recency_rank

    from purchases

),

latest_purchases as (

    select customer_key, order_id
    from ranked_purchases
    where recency_rank = 1

),

latest_purchase_category_amounts as (

    select
        latest_purchases.customer_key,
        products.product_category,
        sum(order_items.line_amount) as category_amount

    from latest_purchases
    inner join order_items
        on latest_purchases.order_id = order_items.order_id
    inner join products
        on order_items.product_id = products.product_id
    group by latest_purchases.customer_key, products.product_category

),

ranked_purchase_categories as (

    select
        customer_key,
        product_category,
        row_number() over (
            partition by customer_key
            order by category_amount desc, product_category
        ) as category_rank

    from latest_purchase_category_amounts

),

last_purchase_categories as (

    select customer_key, product_category
    from ranked_purchase_categories
    where category_rank = 1

),

customers_with_signals as (

    select customer_key from latest_abandoned_carts
    union
    select customer_key from last_purchase_categories

),

final as (

    select
        customers_with_signals.customer_key,
        latest_abandoned_carts.abandoned_cart_session_id,
        latest_abandoned_carts.abandoned_cart_age_hours,
        last_purchase_categories.product_category as last_purchase_category,
        complementary_categories.complementary_category

    from customers_with_signals
    left join latest_abandoned_carts
        on customers_with_signals.customer_key = latest_abandoned_carts.customer_key
    left join last_purchase_categories
        on customers_with_signals.customer_key = last_purchase_categories.customer_key
    left join complementary_categories
        on last_purchase_categories.product_category = complementary_categories.product_category

)

select * from final
