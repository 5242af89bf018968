{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        full_refresh=refit_on_full_refresh_config(),
        pre_hook="{{ delete_propensity_rows_to_replace(kept=fit_is_kept('propensity')) }}"
    )
}}

{#-
    The snapshot dates of the propensity models: snapshot 0 is the as-of
    cut-off (the day after the as-of date; scored, no outcome yet), snapshot
    n is n x propensity_snapshot_interval_days before the fit's cut-off (the
    day after fitted_as_of_date). A snapshot sees the events before its date
    and is labelled by the events in the label windows from its date on; a
    label is known only when its window ended by the fit's cut-off. The past
    snapshots cover a seeded sample of about propensity_history_customers
    customers (macro in_propensity_sample), the scoring snapshot everyone.
    The fit (its as-of date, the past snapshots, their sample) is kept until
    int_model_fits refits the propensity family: until then a build replaces
    only snapshot 0. Doc blocks `propensity_snapshots`, `model_fits`.
-#}

{%- set refit = not fit_is_kept('propensity') -%}
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

-- the fit this build uses (int_model_fits keeps it until a refit is due)
fit as (

    select fitted_as_of_date, fit_id
    from {{ ref('int_model_fits') }}
    where model_family = 'propensity'

),

snapshot_numbers as (

    {%- for snapshot_number in range(var('propensity_snapshot_count') + 1 if refit else 1) %}
    select {{ snapshot_number }} as snapshot_number
    {{- "\n\n    union all\n" if not loop.last }}
    {%- endfor %}

),

snapshot_days as (

    select
        snapshot_numbers.snapshot_number,
        case
            when snapshot_numbers.snapshot_number = 0 then {{ dbt.dateadd('day', 1, 'as_of.as_of_date') }}
            else {{ dbt.dateadd('day', '1 - ' ~ interval_days ~ ' * snapshot_numbers.snapshot_number', 'fit.fitted_as_of_date') }}
        end as snapshot_day,
        fit.fitted_as_of_date,
        fit.fit_id,
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
    cross join fit
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
        -- snapshot 0 lies after the fit's cut-off: never labelled
        {{ dbt.dateadd('day', purchase_days, 'snapshot_day') }} <= {{ dbt.dateadd('day', 1, 'fitted_as_of_date') }}
            as has_purchase_label,
        {{ dbt.dateadd('day', engagement_days, 'snapshot_day') }} <= {{ dbt.dateadd('day', 1, 'fitted_as_of_date') }}
            as has_engagement_label,
        sample_bucket_limit,
        fitted_as_of_date,
        fit_id

    from snapshot_days

)

select * from final
