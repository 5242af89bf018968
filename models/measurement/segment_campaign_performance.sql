{#-
    campaign_performance broken down by the segment each recipient was in
    when the message was sent, on each dimension of customer_segments (RFM
    segment, engagement tier, lifecycle stage, cluster, LTV tier). The
    segment at send time is the customer_segments_snapshot version valid at
    sent_at. History starts with the first build, so messages sent before a
    customer's first recorded version use that earliest version
    (segment_basis = 'earliest_known'); segment_basis = 'at_send' otherwise.
-#}

{%- set dimensions = segment_dimensions() -%}

with

outcomes as (

    select * from {{ ref('int_campaign_message_outcomes') }}

),

campaigns as (

    select * from {{ ref('campaigns') }}

),

history as (

    select
        *,
        row_number() over (partition by customer_key order by dbt_valid_from) as version_number

    from {{ ref('customer_segments_snapshot') }}

),

outcomes_with_segments as (

    -- the labels are taken from the matched version directly: no join back
    -- to the snapshot on its text dbt_scd_id, once per message
    select
        outcomes.*,
        case when valid_at_send.customer_key is null then 'earliest_known' else 'at_send' end as segment_basis,
        {%- for column in dimensions.values() %}
        case
            when valid_at_send.customer_key is null then earliest.{{ column }}
            else valid_at_send.{{ column }}
        end as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}

    from outcomes
    left join history as valid_at_send
        on outcomes.customer_key = valid_at_send.customer_key
        and outcomes.sent_at >= valid_at_send.dbt_valid_from
        and (outcomes.sent_at < valid_at_send.dbt_valid_to or valid_at_send.dbt_valid_to is null)
    left join history as earliest
        on outcomes.customer_key = earliest.customer_key
        and earliest.version_number = 1

),

combinations as (

    -- aggregate once per combination of the five labels, then per dimension:
    -- far fewer rows to unpivot than one per message and dimension
    select
        campaign_id,
        segment_basis,
        {%- for column in dimensions.values() %}
        {{ column }},
        {%- endfor %}
        {{ email_performance_metrics('outcomes_with_segments') }}

    from outcomes_with_segments
    group by
        campaign_id,
        segment_basis,
        {%- for column in dimensions.values() %}
        {{ column }}{{ "," if not loop.last }}
        {%- endfor %}

),

combinations_by_segment as (

    {% for segment_type, column in dimensions.items() %}
    select
        campaign_id,
        segment_basis,
        '{{ segment_type }}' as segment_type,
        {{ column }} as segment_value,
        {{ email_performance_counts() | join(', ') }}

    from combinations
    {% if not loop.last %}

    union all

    {% endif %}
    {% endfor %}

),

segment_totals as (

    select
        campaign_id,
        segment_type,
        segment_value,
        segment_basis,
        {{ email_performance_totals('combinations_by_segment') }}

    from combinations_by_segment
    group by campaign_id, segment_type, segment_value, segment_basis

),

with_rates as (

    select
        *,
        {{ email_performance_rates() }}

    from segment_totals

),

final as (

    select
        {{ surrogate_key(['with_rates.campaign_id', 'with_rates.segment_type', 'with_rates.segment_value', 'with_rates.segment_basis']) }}
            as segment_campaign_performance_id,
        with_rates.campaign_id,
        campaigns.campaign_type,
        campaigns.ab_test_id,
        campaigns.variant,
        with_rates.segment_type,
        with_rates.segment_value,
        with_rates.segment_basis,
        {% for column in email_performance_columns() %}
        with_rates.{{ column }},
        {% endfor %}
        campaigns.sent_at

    from with_rates
    inner join campaigns
        on with_rates.campaign_id = campaigns.campaign_id

)

select * from final
