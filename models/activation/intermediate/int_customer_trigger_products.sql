{#-
    Up to var recommended_products_per_customer (default 3) products per contact for each product_source a trigger's payload
    can name (column product_source of the seed trigger_definitions):
      - recommendations:        the customer's product recommendations;
      - cart:                   the products added in the abandoned cart's session;
      - complementary_category: the best sellers of the category that
                                complements the last purchase, not yet bought.
-#}

with

contacts as (

    select customer_id, customer_key from {{ ref('int_contactable_customers') }}

),

recommendations as (

    select * from {{ ref('customer_product_recommendations') }}

),

shopping_signals as (

    select * from {{ ref('int_customer_shopping_signals') }}

),

web_events as (

    select * from {{ ref('int_customer_product_events') }}

),

popularity as (

    select * from {{ ref('int_product_popularity') }}

),

interactions as (

    select * from {{ ref('int_customer_product_interactions') }}

),

products as (

    select * from {{ ref('products') }}

),

recommended_products as (

    select
        recommendations.customer_key,
        'recommendations' as product_source,
        recommendations.product_id,
        recommendations.recommendation_rank as product_rank

    from recommendations
    inner join contacts
        on recommendations.customer_key = contacts.customer_key

),

cart_products as (

    select
        shopping_signals.customer_key,
        'cart' as product_source,
        web_events.product_id,
        row_number() over (
            partition by shopping_signals.customer_key
            order by min(web_events.occurred_at), web_events.product_id
        ) as product_rank

    from shopping_signals
    inner join contacts
        on shopping_signals.customer_key = contacts.customer_key
    inner join web_events
        on shopping_signals.abandoned_cart_session_id = web_events.session_id
    where web_events.event_type = 'add_to_cart'
    group by shopping_signals.customer_key, web_events.product_id

),

complementary_candidates as (

    select
        shopping_signals.customer_key,
        popularity.product_id,
        popularity.category_popularity_rank

    from shopping_signals
    inner join contacts
        on shopping_signals.customer_key = contacts.customer_key
    inner join popularity
        on shopping_signals.complementary_category = popularity.product_category
    left join interactions
        on shopping_signals.customer_key = interactions.customer_key
        and popularity.product_id = interactions.product_id
        and interactions.has_purchased
    where interactions.customer_key is null

),

complementary_products as (

    select
        customer_key,
        'complementary_category' as product_source,
        product_id,
        row_number() over (
            partition by customer_key
            order by category_popularity_rank
        ) as product_rank

    from complementary_candidates

),

product_lists as (

    select * from recommended_products
    union all
    select * from cart_products
    union all
    select * from complementary_products

),

final as (

    select
        contacts.customer_id,
        product_lists.customer_key,
        product_lists.product_source,
        product_lists.product_rank,
        product_lists.product_id,
        products.product_name,
        products.product_category

    from product_lists
    inner join contacts
        on product_lists.customer_key = contacts.customer_key
    inner join products
        on product_lists.product_id = products.product_id
    where product_lists.product_rank <= {{ var('recommended_products_per_customer') }}

)

select * from final
