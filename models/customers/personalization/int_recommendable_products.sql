{#-
    The products a recommendation, a best-seller list or a trigger payload
    may show: priced above zero (free and "unknown" items are not
    merchandise to promote) and not in a category of the seed
    non_merchandise_categories (postage, fees, ...). The interactions the
    item-to-item similarities learn from are limited to them too, so a
    carriage charge bought with everything does not pull unrelated products
    together.
-#}

with

products as (

    select * from {{ ref('products') }}

),

non_merchandise as (

    select * from {{ ref('non_merchandise_categories') }}

),

final as (

    select
        products.product_id,
        products.product_name,
        products.product_category,
        products.list_price

    from products
    left join non_merchandise
        on lower(products.product_category) = lower(non_merchandise.product_category)
    where products.list_price > 0
        and non_merchandise.product_category is null

)

select * from final
