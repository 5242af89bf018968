with

shop_customers as (

    select * from {{ ref('stg_shop__customers') }}

),

verdict as (

    {{ quarantine_verdict('shop_customers', key_columns=['shop_customer_id'], tie_breakers=['updated_at desc']) }}

)

select * from verdict
