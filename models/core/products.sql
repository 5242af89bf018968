with

products as (

    select * from {{ ref('int_products_validated') }}
    where quarantine_reason is null

),

final as (

    select
        product_id,
        product_name,
        product_category,
        list_price,
        updated_at

    from products

)

select * from final
