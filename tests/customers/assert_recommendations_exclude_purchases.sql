-- No customer is recommended a product they bought before the as-of date.

select recommendations.customer_id, recommendations.product_id
from {{ ref('customer_product_recommendations') }} as recommendations
inner join {{ ref('int_customer_purchases') }} as purchases
    on recommendations.customer_key = purchases.customer_key
inner join {{ ref('fct_order_items') }} as order_items
    on purchases.order_id = order_items.order_id
    and recommendations.product_id = order_items.product_id
