{#-
    How many customers bought each recommendable product in the
    `recommendation_popularity_days` before the as-of cut-off, ranked
    overall and within its category. The
    cold-start recommendation and the cross-sell trigger both read it.
-#}

with

purchases as (

    select * from {{ ref('int_customer_purchases') }}

),

order_items as (

    select * from {{ ref('fct_order_items') }}

),

products as (

    select * from {{ ref('int_recommendable_products') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

recent_buyers as (

    select
        order_items.product_id,
        count(distinct purchases.customer_key) as recent_buyer_count

    from purchases
    inner join order_items
        on purchases.order_id = order_items.order_id
    cross join as_of
    where purchases.purchased_at >= {{ dbt.dateadd('day', -1 * var('recommendation_popularity_days'), 'as_of.as_of_cutoff_at') }}
    group by order_items.product_id

),

final as (

    select
        products.product_id,
        products.product_name,
        products.product_category,
        recent_buyers.recent_buyer_count,
        row_number() over (
            order by recent_buyers.recent_buyer_count desc, products.product_id
        ) as popularity_rank,
        row_number() over (
            partition by products.product_category
            order by recent_buyers.recent_buyer_count desc, products.product_id
        ) as category_popularity_rank

    from recent_buyers
    inner join products
        on recent_buyers.product_id = products.product_id

)

select * from final
