{#-
    Each customer's current segment on every dimension, as of the as-of
    date: the input of the customer_segments_snapshot history.
-#}

with

rfm as (

    select customer_id, customer_key, rfm_segment from {{ ref('customer_rfm') }}

),

engagement as (

    select customer_key, engagement_tier from {{ ref('customer_engagement') }}

),

lifecycle as (

    select customer_key, lifecycle_stage from {{ ref('customer_lifecycle') }}

),

clusters as (

    select customer_key, cluster_label from {{ ref('customer_clusters') }}

),

ltv as (

    select customer_key, ltv_tier from {{ ref('customer_ltv') }}

),

propensity as (

    select customer_key, purchase_propensity_decile, churn_risk_decile from {{ ref('customer_propensity') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        rfm.customer_id,
        rfm.customer_key,
        rfm.rfm_segment,
        engagement.engagement_tier,
        lifecycle.lifecycle_stage,
        clusters.cluster_label,
        ltv.ltv_tier,
        case
            when propensity.purchase_propensity_decile >= {{ var('likely_buyer_min_decile') }} then 'likely_buyer'
            when propensity.purchase_propensity_decile >= {{ var('possible_buyer_min_decile') }} then 'possible_buyer'
            else 'unlikely_buyer'
        end as purchase_propensity_tier,
        case
            when propensity.churn_risk_decile >= {{ var('churn_risk_high_min_decile') }} then 'high'
            when propensity.churn_risk_decile >= {{ var('churn_risk_medium_min_decile') }} then 'medium'
            else 'low'
        end as churn_risk_tier,
        as_of.as_of_date,
        as_of.as_of_at

    from rfm
    inner join engagement
        on rfm.customer_key = engagement.customer_key
    inner join lifecycle
        on rfm.customer_key = lifecycle.customer_key
    inner join clusters
        on rfm.customer_key = clusters.customer_key
    inner join ltv
        on rfm.customer_key = ltv.customer_key
    inner join propensity
        on rfm.customer_key = propensity.customer_key
    cross join as_of

)

select * from final
