{#- The rules: doc block `rfm_scoring` (models/customers/_customers__docs.md). -#}

with

customers as (

    select customer_id, customer_key from {{ ref('customers') }}

),

purchases as (

    select * from {{ ref('int_customer_purchases') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

segment_map as (

    select * from {{ ref('rfm_segment_map') }}

),

purchase_occasions as (

    select
        customer_key,
        {{ btyd_period_start('purchase_date') }} as period_start,
        count(*) as purchases,
        sum(revenue) as revenue,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date

    from purchases
    group by customer_key, {{ btyd_period_start('purchase_date') }}

),

occasion_summary as (

    -- purchases aggregated per occasion, then per customer: one pass over the purchases
    select
        customer_key,
        sum(purchases) as frequency,
        sum(revenue) as monetary,
        min(first_purchase_date) as first_purchase_date,
        max(last_purchase_date) as last_purchase_date,
        count(*) as occasions,
        min(period_start) as first_period_start,
        max(period_start) as last_period_start,
        {{ values_at_min(['revenue'], 'period_start') }} as first_occasion

    from purchase_occasions
    group by customer_key

),

customer_purchases as (

    select
        customer_key,
        cast(frequency as {{ dbt.type_bigint() }}) as frequency,
        monetary,
        first_purchase_date,
        last_purchase_date

    from occasion_summary

),

btyd_inputs as (

    select
        occasion_summary.customer_key,
        occasion_summary.occasions - 1 as btyd_frequency,
        {{ dbt.datediff('occasion_summary.first_period_start', 'occasion_summary.last_period_start', 'day') }}
            / {{ btyd_unit_days() }} as btyd_recency,
        {{ dbt.datediff('occasion_summary.first_period_start', btyd_period_start('as_of.as_of_date'), 'day') }}
            / {{ btyd_unit_days() }} as btyd_t,
        case
            when occasion_summary.occasions > 1
                -- as a double: Spark divides decimals to six places
                then cast(occasion_summary.monetary - occasion_summary.first_occasion.revenue as double)
                    / (occasion_summary.occasions - 1)
            else 0
        end as btyd_monetary_value

    from occasion_summary
    cross join as_of

),

scored as (

    select
        customer_purchases.*,
        {{ dbt.datediff('customer_purchases.last_purchase_date', 'as_of.as_of_date', 'day') }} as recency_days,
        {{ dbt.datediff('customer_purchases.first_purchase_date', 'as_of.as_of_date', 'day') }} as tenure_days,
        {{ quantile_score(dbt.datediff('customer_purchases.last_purchase_date', 'as_of.as_of_date', 'day'), 'desc') }}
            as recency_score,
        {{ quantile_score('customer_purchases.frequency') }} as frequency_score,
        {{ quantile_score('customer_purchases.monetary') }} as monetary_score

    from customer_purchases
    cross join as_of

),

final as (

    select
        -- ids
        customers.customer_id,
        customers.customer_key,

        -- strings
        case
            when scored.customer_key is null then 'prospect'
            else segment_map.rfm_segment
        end as rfm_segment,
        cast(scored.recency_score as {{ dbt.type_string() }})
            || cast(scored.frequency_score as {{ dbt.type_string() }})
            || cast(scored.monetary_score as {{ dbt.type_string() }}) as rfm_cell,

        -- numerics
        scored.recency_days,
        coalesce(scored.frequency, 0) as frequency,
        coalesce(scored.monetary, 0) as monetary,
        cast(scored.monetary as double) / scored.frequency as average_order_value,
        scored.tenure_days,
        scored.recency_score,
        scored.frequency_score,
        scored.monetary_score,
        btyd_inputs.btyd_frequency,
        btyd_inputs.btyd_recency,
        btyd_inputs.btyd_t,
        btyd_inputs.btyd_monetary_value,

        -- booleans
        scored.customer_key is not null as is_buyer,

        -- dates
        scored.first_purchase_date,
        scored.last_purchase_date,
        as_of.as_of_date

    from customers
    cross join as_of
    left join scored
        on customers.customer_key = scored.customer_key
    left join btyd_inputs
        on customers.customer_key = btyd_inputs.customer_key
    left join segment_map
        on scored.recency_score = segment_map.recency_score
        and scored.frequency_score = segment_map.frequency_score

)

select * from final
