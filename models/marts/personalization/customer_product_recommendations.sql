{#-
    Top 3 products to recommend to each customer as of the as-of date.
    Item-to-item: a candidate's score is the sum, over the products the
    customer interacted with, of interaction strength x cosine similarity.
    Products the customer already bought are never recommended. Customers
    with fewer than 3 candidates (cold start: no purchases or views) are
    filled with the products most bought in the last
    `recommendation_popularity_days`.
-#}

with

customers as (

    select customer_id from {{ ref('customers') }}

),

interactions as (

    select * from {{ ref('int_customer_product_interactions') }}

),

similarities as (

    select * from {{ ref('int_product_similarities') }}

),

popularity as (

    select * from {{ ref('int_product_popularity') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

purchased as (

    select customer_id, product_id
    from interactions
    where has_purchased

),

item_candidates as (

    select
        interactions.customer_id,
        similarities.similar_product_id as product_id,
        sum(interactions.interaction_strength * similarities.cosine_similarity) as recommendation_score

    from interactions
    inner join similarities
        on interactions.product_id = similarities.product_id
    group by interactions.customer_id, similarities.similar_product_id

),

item_recommendations as (

    select
        item_candidates.customer_id,
        item_candidates.product_id,
        item_candidates.recommendation_score,
        'similar_items' as recommendation_source,
        1 as source_priority

    from item_candidates
    left join purchased
        on item_candidates.customer_id = purchased.customer_id
        and item_candidates.product_id = purchased.product_id
    where purchased.product_id is null

),

popular_products as (

    select product_id, recent_buyer_count
    from popularity
    -- enough spares for a customer who already bought some of the best sellers
    where popularity_rank <= 20

),

customers_needing_fallback as (

    select customers.customer_id
    from customers
    left join item_recommendations
        on customers.customer_id = item_recommendations.customer_id
    group by customers.customer_id
    having count(item_recommendations.product_id) < 3

),

popular_recommendations as (

    select
        customers_needing_fallback.customer_id,
        popular_products.product_id,
        cast(popular_products.recent_buyer_count as {{ dbt.type_float() }}) as recommendation_score,
        'popular' as recommendation_source,
        2 as source_priority

    from customers_needing_fallback
    cross join popular_products
    left join purchased
        on customers_needing_fallback.customer_id = purchased.customer_id
        and popular_products.product_id = purchased.product_id
    where purchased.product_id is null

),

candidates as (

    select * from item_recommendations
    union all
    select * from popular_recommendations

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_id, product_id
            order by source_priority
        ) as source_rank

    from candidates

),

ordered as (

    select
        customer_id,
        product_id,
        recommendation_score,
        recommendation_source,
        row_number() over (
            partition by customer_id
            order by source_priority, recommendation_score desc, product_id
        ) as recommendation_rank

    from ranked
    where source_rank = 1

),

final as (

    select
        {{ surrogate_key(['ordered.customer_id', 'ordered.recommendation_rank']) }} as customer_product_recommendation_id,
        ordered.customer_id,
        ordered.product_id,
        ordered.recommendation_rank,
        ordered.recommendation_source,
        ordered.recommendation_score,
        as_of.as_of_date

    from ordered
    cross join as_of
    where ordered.recommendation_rank <= 3

)

select * from final
