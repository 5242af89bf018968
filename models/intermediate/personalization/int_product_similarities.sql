{#-
    Item-to-item cosine similarity over the customer x product interaction
    matrix (purchases and views, weighted as in
    int_customer_product_interactions): two products are similar when the
    same customers interact with both. Only each product's nearest
    `recommendation_neighbours` are kept; the rest never reach a top 3.
-#}

with

interactions as (

    select customer_id, product_id, interaction_strength
    from {{ ref('int_customer_product_interactions') }}

),

product_norms as (

    select
        product_id,
        sqrt(sum(interaction_strength * interaction_strength)) as vector_norm

    from interactions
    group by product_id

),

co_interactions as (

    select
        interactions.product_id,
        other_interactions.product_id as similar_product_id,
        sum(interactions.interaction_strength * other_interactions.interaction_strength) as dot_product

    from interactions
    inner join interactions as other_interactions
        on interactions.customer_id = other_interactions.customer_id
        and interactions.product_id <> other_interactions.product_id
    group by interactions.product_id, other_interactions.product_id

),

similarities as (

    select
        co_interactions.product_id,
        co_interactions.similar_product_id,
        co_interactions.dot_product / (product_norms.vector_norm * similar_norms.vector_norm) as cosine_similarity

    from co_interactions
    inner join product_norms
        on co_interactions.product_id = product_norms.product_id
    inner join product_norms as similar_norms
        on co_interactions.similar_product_id = similar_norms.product_id

),

ranked as (

    select
        *,
        row_number() over (
            partition by product_id
            order by cosine_similarity desc, similar_product_id
        ) as similarity_rank

    from similarities

),

final as (

    select
        {{ surrogate_key(['product_id', 'similar_product_id']) }} as product_similarity_id,
        product_id,
        similar_product_id,
        cosine_similarity,
        similarity_rank

    from ranked
    where similarity_rank <= {{ var('recommendation_neighbours') }}

)

select * from final
