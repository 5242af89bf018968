{#-
    Pre-hook of int_customer_product_interactions: deletes the stored rows of
    every customer whose interactions can have changed since the run before,
    so that the model, which fills in the customers it holds no rows for,
    computes them again. A superset is enough; missing one is not. Their
    interactions change only when
    - a product event or an order line of theirs was loaded in the window
      (a new or re-delivered row; its owner now; a line delivered again to
      another order: that order's owner too);
    - a browser of theirs got a new login in the window (its new owner; the
      owner before lost events: see the counts below);
    - an order of theirs, or the shop account an order names, was delivered
      again in the window: every customer key any delivery of the order or
      of any account it ever named gave (the owner now and every owner
      before: an account's new email moves its orders);
    - the as-of cut-off moved: forward over an order, a refund or an event
      after the latest interaction stored, back before a stored interaction;
    - they hold fewer product views and add-to-carts than stored (the
      previous owner of a relinked browser, an event delivered again to
      another browser);
    - a product stopped (or started) being recommendable, or the weights of
      the interaction strength changed (vars).
    Everything else an interaction reads is the same by definition.
    tests_py/test_incremental_and_history.py compares the table with its
    definition after builds that move an account, a browser and the cut-off
    (back and forward), change the weights, and take a product out of the
    catalog and back.
-#}
{% macro delete_changed_product_interactions() -%}
    {%- if execute and is_incremental() -%}
    {%- set window_start = reload_window_start() -%}
    {%- set latest_stored = run_query('select max(last_interacted_at) from ' ~ this).columns[0].values()[0] -%}
    {%- if window_start is none or latest_stored is none -%}
    {#- nothing stored with a load time: every stored row goes, the model fills in everyone -#}
    delete from {{ this }}
    {%- else -%}
    {%- set latest = "cast('" ~ latest_stored ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
    {%- set cutoff = as_of_literal('as_of_cutoff_at') -%}
    {%- set changed_customers -%}
        with deliveries_of_orders_loaded_in_window as (
            -- every delivery of an order delivered again in the window: the
            -- checkout addresses and shop accounts it ever named
            select checkout_customer_key, shop_customer_id
            from {{ ref('int_orders_validated') }}
            where order_id in (select order_id from {{ ref('int_orders_validated') }} where {{ loaded_since(window_start) }})
        ),

        shop_accounts_loaded_in_window as (
            select shop_customer_id from {{ ref('int_shop_customers_validated') }}
            where {{ loaded_since(window_start) }}
        )

        select customer_key
        from {{ ref('int_customer_product_events') }}
        where {{ loaded_since(window_start) }}
            or occurred_at >= {{ latest }}
            or anonymous_id in (
                select anonymous_id from {{ ref('int_web_visitors') }} where {{ loaded_since(window_start) }}
            )

        union all

        select customer_key
        from {{ ref('fct_orders') }}
        where {{ loaded_since(window_start) }}
            or ordered_at >= {{ latest }}
            or status_changed_at >= {{ latest }}
            or status_changed_at >= {{ cutoff }}
            or order_id in (
                -- the order of every delivery of a line loaded in the window (a line moved to another order)
                select order_id from {{ ref('int_order_items_validated') }}
                where order_item_id in (
                    select order_item_id from {{ ref('int_order_items_validated') }}
                    where {{ loaded_since(window_start) }}
                )
            )
            or shop_customer_id in (select shop_customer_id from shop_accounts_loaded_in_window)

        union all

        select checkout_customer_key
        from deliveries_of_orders_loaded_in_window

        union all

        select customer_key
        from {{ ref('int_shop_customers_validated') }}
        where shop_customer_id in (
            select shop_customer_id from shop_accounts_loaded_in_window
            union all
            select shop_customer_id from deliveries_of_orders_loaded_in_window
        )

        union all

        select coalesce(stored_views.customer_key, current_views.customer_key)
        from (
            select customer_key, sum(view_count) as view_count
            from {{ this }}
            group by customer_key
        ) as stored_views
        full outer join (
            select product_events.customer_key, count(*) as view_count
            from {{ ref('int_customer_product_events') }} as product_events
            inner join {{ ref('int_recommendable_products') }} as recommendable_products
                on product_events.product_id = recommendable_products.product_id
            group by product_events.customer_key
        ) as current_views
            on stored_views.customer_key = current_views.customer_key
        where coalesce(stored_views.view_count, 0) <> coalesce(current_views.view_count, 0)

        union all

        select customer_key
        from {{ this }}
        where last_interacted_at >= {{ cutoff }}
            or product_id not in (select product_id from {{ ref('int_recommendable_products') }})
            or interaction_strength <> {{ interaction_strength('purchase_count', 'view_count') }}

        union all

        -- buyers of a product that became recommendable (its viewers hold more
        -- views than stored); from the validated lines, a table: through the
        -- fact view, the join behind it ran even for no product
        select customer_key
        from {{ ref('int_customer_purchases') }}
        where order_id in (
            select order_id from {{ ref('int_order_items_validated') }}
            where product_id in (
                select product_id from {{ ref('int_recommendable_products') }}
                where product_id not in (select product_id from {{ this }})
            )
        )
    {%- endset -%}
    {{ delete_rows_with_keys_in('customer_key', changed_customers) }}
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The weighted interaction strength (vars recommendation_purchase_weight, recommendation_view_weight). -#}
{% macro interaction_strength(purchase_count, view_count) -%}
    {{ var('recommendation_purchase_weight') }} * {{ purchase_count }} + {{ var('recommendation_view_weight') }} * {{ view_count }}
{%- endmacro %}
