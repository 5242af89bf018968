{#-
    Each customer's current segment on every dimension, as of the as-of
    date: the input of the customer_segments_snapshot history.
-#}

with

rfm as (

    select customer_id, rfm_segment from {{ ref('customer_rfm') }}

),

engagement as (

    select customer_id, engagement_tier from {{ ref('customer_engagement') }}

),

lifecycle as (

    select customer_id, lifecycle_stage from {{ ref('customer_lifecycle') }}

),

clusters as (

    select customer_id, cluster_label from {{ ref('customer_clusters') }}

),

ltv as (

    select customer_id, ltv_tier from {{ ref('customer_ltv') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        rfm.customer_id,
        rfm.rfm_segment,
        engagement.engagement_tier,
        lifecycle.lifecycle_stage,
        clusters.cluster_label,
        ltv.ltv_tier,
        as_of.as_of_date,
        cast(as_of.as_of_date as {{ dbt.type_timestamp() }}) as as_of_at

    from rfm
    inner join engagement
        on rfm.customer_id = engagement.customer_id
    inner join lifecycle
        on rfm.customer_id = lifecycle.customer_id
    inner join clusters
        on rfm.customer_id = clusters.customer_id
    inner join ltv
        on rfm.customer_id = ltv.customer_id
    cross join as_of

)

select * from final
