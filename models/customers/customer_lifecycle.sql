{#- The rules: doc block `lifecycle_stages` (models/customers/_customers__docs.md). -#}

with

customers as (

    select customer_id, customer_key, first_seen_at from {{ ref('customers') }}

),

signal_summary as (

    select * from {{ ref('int_customer_signals_aggregated') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

measured as (

    select
        customers.customer_id,
        customers.customer_key,
        coalesce(signal_summary.purchases, 0) as purchases,
        {{ dbt.datediff('cast(signal_summary.first_purchased_at as date)', 'as_of.as_of_date', 'day') }}
            as days_since_first_purchase,
        {{ dbt.datediff('cast(signal_summary.last_purchased_at as date)', 'as_of.as_of_date', 'day') }}
            as days_since_last_purchase,
        {{ dbt.datediff('cast(coalesce(signal_summary.last_engaged_at, customers.first_seen_at) as date)', 'as_of.as_of_date', 'day') }}
            as days_since_last_engagement,
        {{ dbt.datediff('cast(signal_summary.engaged_before_last_purchase_at as date)', 'cast(signal_summary.last_purchased_at as date)', 'day') }}
            as days_silent_before_last_purchase,
        as_of.as_of_date

    from customers
    cross join as_of
    left join signal_summary
        on customers.customer_key = signal_summary.customer_key

),

final as (

    select
        customer_id,
        customer_key,
        {{ lifecycle_stage(
            'purchases',
            'days_since_first_purchase',
            'days_since_last_purchase',
            'days_since_last_engagement',
            'days_silent_before_last_purchase'
        ) }} as lifecycle_stage,
        purchases,
        days_since_first_purchase,
        days_since_last_purchase,
        days_since_last_engagement,
        days_silent_before_last_purchase,
        as_of_date

    from measured

)

select * from final
