{{ config(unique_key='order_id') }}

{#-
    Every order row with its verdict, amounts converted to the reporting
    currency at the fx_rates seed's rate of the order date. Orders with an
    unknown currency or account are checked again on every run (a late
    account row, or a rate added to the seed, frees them). A changed rate of
    an already converted order needs --full-refresh.
-#}

{%- set window_start = reload_window_start() -%}

with

orders as (

    {{ rows_to_validate(
        ref('stg_shop__orders'), 'order_id', window_start,
        recheck_reasons=['unknown_currency', 'orphan_shop_customer']
    ) }}

),

shop_customers as (

    select distinct shop_customer_id from {{ ref('stg_shop__customers') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

checked as (

    select
        orders.*,
        fx_rates.usd_per_unit as fx_rate_to_reporting,
        cast(orders.total_amount_local * fx_rates.usd_per_unit as {{ dbt.type_numeric() }}) as total_amount,
        cast(orders.discount_amount_local * fx_rates.usd_per_unit as {{ dbt.type_numeric() }}) as discount_amount,
        coalesce(
            orders.invalid_reason,
            case when fx_rates.currency_code is null then 'unknown_currency' end,
            case
                when orders.shop_customer_id is not null and shop_customers.shop_customer_id is null
                    then 'orphan_shop_customer'
            end
        ) as failed_check

    from orders
    left join fx_rates
        on orders.currency_code = fx_rates.currency_code
        and cast(orders.ordered_at as date) between fx_rates.valid_from and fx_rates.valid_to
    left join shop_customers
        on orders.shop_customer_id = shop_customers.shop_customer_id

),

verdict as (

    {{ quarantine_verdict('checked', key_columns=['order_id'], failed_check='failed_check', tie_breakers=['updated_at desc']) }}

)

select * from verdict
