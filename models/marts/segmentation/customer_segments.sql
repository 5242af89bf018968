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

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        rfm.customer_id,
        rfm.rfm_segment,
        engagement.engagement_tier,
        lifecycle.lifecycle_stage,
        as_of.as_of_date,
        cast(as_of.as_of_date as {{ dbt.type_timestamp() }}) as as_of_at

    from rfm
    inner join engagement
        on rfm.customer_id = engagement.customer_id
    inner join lifecycle
        on rfm.customer_id = lifecycle.customer_id
    cross join as_of

)

select * from final
