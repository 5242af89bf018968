{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_changed_product_interactions() }}",
        post_hook=erasure_hook({'customer_key': 'customer_key'})
    )
}}

{#-
    How strongly each customer has interacted with each product up to the
    as-of cut-off: purchases (orders that count as purchases, see
    int_customer_purchases) and product views or add-to-carts on the site.
    Anonymous browsing counts for the customer its browser is linked to
    (int_customer_product_events). Only recommendable products
    (int_recommendable_products).

    Incremental by customer: the pre-hook (delete_changed_product_interactions)
    removes the rows of every customer whose interactions can have changed,
    and a run computes the customers with purchases or product events that
    the table then holds no row for. The pre-hook reads the models below.
-#}

-- depends_on: {{ ref('int_as_of_date') }}
-- depends_on: {{ ref('int_web_visitors') }}
-- depends_on: {{ ref('fct_orders') }}
-- depends_on: {{ ref('int_orders_validated') }}
-- depends_on: {{ ref('int_order_items_validated') }}
-- depends_on: {{ ref('int_shop_customers_validated') }}

with

{% if is_incremental() %}
customers_to_compute as (

    -- reads the refs, not the CTEs below: DuckDB materializes a CTE that is
    -- read twice
    select customer_key
    from (
        select customer_key from {{ ref('int_customer_purchases') }}
        union
        select customer_key from {{ ref('int_customer_product_events') }}
    ) as customers_with_interactions
    except
    select customer_key from {{ this }}

),
{% endif %}

purchases as (

    select * from {{ ref('int_customer_purchases') }}
    {%- if is_incremental() %}
    where customer_key in (select customer_key from customers_to_compute)
    {%- endif %}

),

order_items as (

    select * from {{ ref('fct_order_items') }}
    {%- if is_incremental() %}
    -- the lines of those customers' orders only: unfiltered, the join behind
    -- the fact view ran over every order
    where order_id in (select order_id from purchases)
    {%- endif %}

),

web_events as (

    select * from {{ ref('int_customer_product_events') }}
    {%- if is_incremental() %}
    where customer_key in (select customer_key from customers_to_compute)
    {%- endif %}

),

recommendable_products as (

    select product_id from {{ ref('int_recommendable_products') }}

),

purchased_products as (

    select
        purchases.customer_key,
        order_items.product_id,
        count(distinct purchases.order_id) as purchase_count,
        0 as view_count,
        max(purchases.purchased_at) as last_interacted_at,
        max(order_items._loaded_at) as _loaded_at

    from purchases
    inner join order_items
        on purchases.order_id = order_items.order_id
    group by purchases.customer_key, order_items.product_id

),

viewed_products as (

    select
        customer_key,
        product_id,
        0 as purchase_count,
        count(*) as view_count,
        max(occurred_at) as last_interacted_at,
        max(_loaded_at) as _loaded_at

    from web_events
    where product_id is not null
    group by customer_key, product_id

),

interactions as (

    select * from purchased_products
    union all
    select * from viewed_products

),

recommendable_interactions as (

    select interactions.*
    from interactions
    inner join recommendable_products
        on interactions.product_id = recommendable_products.product_id

),

final as (

    select
        customer_key,
        product_id,
        sum(purchase_count) as purchase_count,
        sum(view_count) as view_count,
        {{ interaction_strength('sum(purchase_count)', 'sum(view_count)') }} as interaction_strength,
        sum(purchase_count) > 0 as has_purchased,
        max(last_interacted_at) as last_interacted_at,
        max(_loaded_at) as _loaded_at

    from recommendable_interactions
    group by customer_key, product_id

)

select * from final
