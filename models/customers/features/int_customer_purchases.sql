{#-
    Purchases as of the as-of date: orders placed before the cut-off that had
    not been refunded or cancelled by then. A refund after the as-of date does
    not rewrite that day's history.
-#}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        orders.order_id,
        orders.customer_key,
        orders.total_amount as revenue,
        cast(orders.ordered_at as date) as purchase_date,
        orders.ordered_at as purchased_at

    from orders
    cross join as_of
    where orders.ordered_at < as_of.as_of_cutoff_at
        and (
            orders.order_status = 'paid'
            or orders.status_changed_at >= as_of.as_of_cutoff_at
        )

)

select * from final
