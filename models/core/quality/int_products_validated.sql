{{ config(unique_key='product_id') }}

{%- set window_start = reload_window_start() -%}

with

products as (

    {{ rows_to_validate(ref('stg_shop__products'), 'product_id', window_start) }}

),

verdict as (

    {{ quarantine_verdict('products', key_columns=['product_id'], tie_breakers=['updated_at desc']) }}

)

select * from verdict
