with

scored as (

    select * from {{ ref('int_customer_recommendations_scored') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        -- ids
        {{ surrogate_key(['scored.customer_id', 'scored.recommendation_rank']) }} as customer_product_recommendation_id,
        scored.customer_id,
        scored.customer_key,
        scored.product_id,

        -- numerics and strings, in the order the table has always had
        scored.recommendation_rank,
        scored.recommendation_source,
        scored.recommendation_score,

        -- dates
        as_of.as_of_date

    from scored
    cross join as_of

)

select * from final
