{{ config(unique_key='order_item_id') }}

{#-
    Every order line row with its verdict and its price in the reporting
    currency (the rate of its order's clean version). A line's verdict
    depends on its order, so a run also re-derives the lines of every order
    with a row loaded since the window start, and re-checks lines whose order
    or product was unknown or quarantined.
-#}

{%- set window_start = reload_window_start() -%}

{%- set lines_of_changed_orders -%}
    select order_item_id
    from {{ this }}
    where order_id in (
        select order_id from {{ ref('int_orders_validated') }} where {{ loaded_since(window_start) }}
    )
{%- endset -%}

with

order_items as (

    {{ rows_to_validate(
        ref('stg_shop__order_items'), 'order_item_id', window_start,
        recheck_reasons=['orphan_order', 'orphan_product', 'parent_order_quarantined'],
        more_keys=lines_of_changed_orders
    ) }}

),

orders as (

    select
        order_id,
        max(case when quarantine_reason is null then fx_rate_to_reporting end) as fx_rate_to_reporting,
        max(case when quarantine_reason is null then 1 else 0 end) = 1 as has_clean_version

    from {{ ref('int_orders_validated') }}
    where order_id is not null
    {%- if window_start is not none %}
        and order_id in (select order_id from order_items)
    {%- endif %}
    group by order_id

),

products as (

    select distinct product_id from {{ ref('stg_shop__products') }}

),

checked as (

    select
        order_items.*,
        cast(order_items.unit_price_local * orders.fx_rate_to_reporting as {{ dbt.type_numeric() }}) as unit_price,
        coalesce(
            order_items.invalid_reason,
            case when orders.order_id is null then 'orphan_order' end,
            case when products.product_id is null then 'orphan_product' end,
            case when not orders.has_clean_version then 'parent_order_quarantined' end
        ) as failed_check

    from order_items
    left join orders
        on order_items.order_id = orders.order_id
    left join products
        on order_items.product_id = products.product_id

),

verdict as (

    {{ quarantine_verdict('checked', key_columns=['order_item_id'], failed_check='failed_check') }}

)

select * from verdict
