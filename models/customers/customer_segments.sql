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
    cross join as_of

)

select * from final
