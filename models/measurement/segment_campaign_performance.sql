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

segment_versions as (

    select * from {{ ref('customer_segments_snapshot') }}

),

-- each combination of the labels that occurs in the history, numbered:
-- the messages carry that number through the join and the aggregation, not
-- the labels themselves
label_sets as (

    select
        *,
        row_number() over (
            order by {% for column in dimensions.values() %}{{ column }}{{ ", " if not loop.last }}{% endfor %}
        ) as label_set

    from (

        select distinct
            {%- for column in dimensions.values() %}
            {{ column }}{{ "," if not loop.last }}
            {%- endfor %}

        from segment_versions

    ) as distinct_labels

),

history as (

    select
        segment_versions.customer_key,
        segment_versions.dbt_valid_from,
        segment_versions.dbt_valid_to,
        label_sets.label_set,
        row_number() over (
            partition by segment_versions.customer_key
            order by segment_versions.dbt_valid_from
        ) as version_number

    from segment_versions
    inner join label_sets
        on {% for column in dimensions.values() -%}
        segment_versions.{{ column }} is not distinct from label_sets.{{ column }}
        {%- if not loop.last %}
        and {% endif %}
        {%- endfor %}

),

outcomes_with_segments as (

    select
        outcomes.*,
        case when valid_at_send.customer_key is null then 'earliest_known' else 'at_send' end as segment_basis,
        case
            when valid_at_send.customer_key is null then earliest.label_set
            else valid_at_send.label_set
        end as label_set

    from outcomes
    left join history as valid_at_send
        on outcomes.customer_key = valid_at_send.customer_key
        and outcomes.sent_at >= valid_at_send.dbt_valid_from
        and (outcomes.sent_at < valid_at_send.dbt_valid_to or valid_at_send.dbt_valid_to is null)
    left join history as earliest
        on outcomes.customer_key = earliest.customer_key
        and earliest.version_number = 1

),

label_set_totals as (

    select
        campaign_id,
        segment_basis,
        label_set,
        {{ email_performance_metrics('outcomes_with_segments') }}

    from outcomes_with_segments
    group by campaign_id, segment_basis, label_set

),

combinations as (

    -- one row per campaign and combination of the labels, then per
    -- dimension: far fewer rows to unpivot than one per message and dimension
    select
        label_set_totals.*,
        {%- for column in dimensions.values() %}
        label_sets.{{ column }}{{ "," if not loop.last }}
        {%- endfor %}

    from label_set_totals
    left join label_sets
        on label_set_totals.label_set = label_sets.label_set

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
