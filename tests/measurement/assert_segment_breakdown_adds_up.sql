-- For every campaign and segment dimension, the segments' sends, opens,
-- clicks and attributed orders add up to the campaign's totals: every
-- recipient is counted in exactly one segment of each dimension.

with

segment_totals as (

    select
        campaign_id,
        segment_type,
        sum(sends) as sends,
        sum(unique_opens) as unique_opens,
        sum(unique_clicks) as unique_clicks,
        sum(attributed_orders) as attributed_orders

    from {{ ref('segment_campaign_performance') }}
    group by campaign_id, segment_type

),

campaign_totals as (

    select * from {{ ref('campaign_performance') }}

),

dimensions as (

    select distinct segment_type from segment_totals

),

expected as (

    select campaign_totals.*, dimensions.segment_type
    from campaign_totals
    cross join dimensions

)

select expected.campaign_id, expected.segment_type
from expected
left join segment_totals
    on expected.campaign_id = segment_totals.campaign_id
    and expected.segment_type = segment_totals.segment_type
where segment_totals.sends is distinct from expected.sends
    or segment_totals.unique_opens is distinct from expected.unique_opens
    or segment_totals.unique_clicks is distinct from expected.unique_clicks
    or segment_totals.attributed_orders is distinct from expected.attributed_orders
