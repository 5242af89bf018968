{{ config(unique_key='shop_customer_id') }}

{%- set window_start = reload_window_start() -%}

with

shop_customers as (

    {{ rows_to_validate(ref('stg_shop__customers'), 'shop_customer_id', window_start) }}

),

verdict as (

    {{ quarantine_verdict('shop_customers', key_columns=['shop_customer_id'], tie_breakers=['updated_at desc']) }}

)

select * from verdict
