{#-
    The snapshot dates of the propensity models: snapshot 0 is the as-of
    cut-off (the day after the as-of date; scored, no outcome yet), snapshot
    n is n x propensity_snapshot_interval_days before it. A snapshot sees
    the events before its date and is labelled by the events in the label
    windows from its date on; a label is known only when its window ended
    by the as-of cut-off. The past snapshots cover a seeded sample of about
    propensity_history_customers customers (macro in_propensity_sample),
    the scoring snapshot everyone. Doc block `propensity_snapshots`.
-#}

{%- set interval_days = var('propensity_snapshot_interval_days') -%}
{%- set purchase_days = var('propensity_purchase_window_days') -%}
{%- set engagement_days = var('propensity_engagement_window_days') -%}
{%- set lookback_days = propensity_lookback_days() -%}
{%- set buckets = propensity_sample_buckets() -%}

with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

customer_count as (

    select count(*) as customers from {{ ref('customers') }}

),

snapshot_numbers as (

    {%- for snapshot_number in range(var('propensity_snapshot_count') + 1) %}
    select {{ snapshot_number }} as snapshot_number
    {{- "\n\n    union all\n" if not loop.last }}
    {%- endfor %}

),

snapshot_days as (

    select
        snapshot_numbers.snapshot_number,
        {{ dbt.dateadd('day', '1 - ' ~ interval_days ~ ' * snapshot_numbers.snapshot_number', 'as_of.as_of_date') }}
            as snapshot_day,
        as_of.as_of_date,
        case
            when snapshot_numbers.snapshot_number = 0 then {{ buckets }}
            else least(
                {{ buckets }},
                cast(ceil({{ var('propensity_history_customers') }}
                    / cast(greatest(customer_count.customers, 1) as double) * {{ buckets }}) as bigint)
            )
        end as sample_bucket_limit

    from snapshot_numbers
    cross join as_of
    cross join customer_count

),

final as (

    select
        snapshot_number,
        cast(snapshot_day as date) as snapshot_date,
        cast(snapshot_day as {{ dbt.type_timestamp() }}) as snapshot_at,
        cast({{ dbt.dateadd('day', -lookback_days, 'snapshot_day') }} as {{ dbt.type_timestamp() }})
            as lookback_start_at,
        cast({{ dbt.dateadd('day', purchase_days, 'snapshot_day') }} as {{ dbt.type_timestamp() }})
            as purchase_window_end_at,
        cast({{ dbt.dateadd('day', engagement_days, 'snapshot_day') }} as {{ dbt.type_timestamp() }})
            as engagement_window_end_at,
        snapshot_number = 0 as is_scoring_snapshot,
        {{ dbt.dateadd('day', purchase_days, 'snapshot_day') }} <= {{ dbt.dateadd('day', 1, 'as_of_date') }}
            as has_purchase_label,
        {{ dbt.dateadd('day', engagement_days, 'snapshot_day') }} <= {{ dbt.dateadd('day', 1, 'as_of_date') }}
            as has_engagement_label,
        sample_bucket_limit

    from snapshot_days

)

select * from final
