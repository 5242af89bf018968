with

products as (

    select * from {{ ref('stg_shop__products') }}

),

verdict as (

    {{ quarantine_verdict('products', key_columns=['product_id'], tie_breakers=['updated_at desc']) }}

)

select * from verdict
