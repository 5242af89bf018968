-- customer_rfm's frequency, monetary and last purchase must be exactly the
-- aggregate of int_customer_purchases (the one definition of a purchase).

with

purchases as (

    select
        customer_key,
        count(*) as frequency,
        sum(revenue) as monetary,
        max(purchase_date) as last_purchase_date

    from {{ ref('int_customer_purchases') }}
    group by customer_key

),

rfm as (

    select customer_id, customer_key, frequency, monetary, last_purchase_date
    from {{ ref('customer_rfm') }}

)

select
    rfm.customer_id,
    rfm.frequency,
    purchases.frequency as purchases_frequency

from rfm
left join purchases
    on rfm.customer_key = purchases.customer_key
where rfm.frequency <> coalesce(purchases.frequency, 0)
    or abs(rfm.monetary - coalesce(purchases.monetary, 0)) > 0.005
    or rfm.last_purchase_date is distinct from purchases.last_purchase_date
