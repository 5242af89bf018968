{#-
    Days before a propensity snapshot whose events its features read: the
    longest feature window (90 days), or longer when the lifecycle rule
    needs it (a reactivated buyer was silent lifecycle_churned_after_days
    before a purchase within lifecycle_reactivated_within_days).
-#}
{% macro propensity_lookback_days() %}
    {{- return([90, var('lifecycle_churned_after_days') + var('lifecycle_reactivated_within_days') + 1] | max) -}}
{% endmacro %}

{#-
    The past propensity snapshots cover a seeded sample of customers: those
    whose customer key (an MD5-derived number, uniform) modulo
    propensity_sample_buckets() falls below the snapshot's
    sample_bucket_limit (int_propensity_snapshots). The scoring snapshot's
    limit is every bucket. The same customers on every engine and rebuild.
-#}
{% macro propensity_sample_buckets() %}
    {{- return(1000000) -}}
{% endmacro %}

{% macro in_propensity_sample(customer_key, snapshots) -%}
    {{ customer_key }} % {{ propensity_sample_buckets() }} < {{ snapshots }}.sample_bucket_limit
{%- endmacro %}

{#-
    The propensity fit is kept between refits (var propensity_refit_days):
    int_propensity_snapshots holds its as-of date and settings, and each
    model that keeps a part of it (the past snapshots, the validation)
    stores the fit_id it was computed for. A build refits when there is no
    kept fit, on --full-refresh (unless propensity_refit_on_full_refresh is
    false: then the kept fit survives it), when the settings it depends on
    changed, when the as-of date is propensity_refit_days or more past the
    fitted one, or when it is earlier than the fitted one (a rebuild of an
    earlier date). Doc block `propensity_refits`.
-#}
{% macro propensity_fit_settings() -%}
    {%- set names = [
        'propensity_snapshot_count', 'propensity_snapshot_interval_days', 'propensity_purchase_window_days',
        'propensity_engagement_window_days', 'propensity_history_customers', 'propensity_training_sample_size',
        'propensity_random_seed', 'btyd_time_unit', 'lifecycle_new_within_days', 'lifecycle_loyal_min_purchases',
        'lifecycle_loyal_within_days', 'lifecycle_at_risk_after_days', 'lifecycle_churned_after_days',
        'lifecycle_reactivated_within_days',
    ] -%}
    {%- set parts = [] -%}
    {%- for name in names -%}
        {%- do parts.append(name ~ '=' ~ var(name)) -%}
    {%- endfor -%}
    {{- return(parts | join(';')) -}}
{%- endmacro %}

{#- The model config value that lets a kept fit survive --full-refresh when the var says so. -#}
{% macro propensity_full_refresh_config() -%}
    {{- return(none if var('propensity_refit_on_full_refresh') else false) -}}
{%- endmacro %}

{#- In int_propensity_snapshots: true when this build fits the propensity models anew. -#}
{% macro propensity_refit_due() -%}
    {%- if not execute or not is_incremental() or var('propensity_snapshot_count') == 0 -%}
        {{- return(true) -}}
    {%- endif -%}
    {%- set query -%}
        select count(*)
        from {{ this }} as kept
        cross join {{ ref('int_as_of_date') }} as as_of
        where kept.snapshot_number = 0
            and kept.fit_settings = '{{ propensity_fit_settings() }}'
            and as_of.as_of_date >= kept.fitted_as_of_date
            and {{ dbt.datediff('kept.fitted_as_of_date', 'as_of.as_of_date', 'day') }}
                < {{ var('propensity_refit_days') }}
    {%- endset -%}
    {{- return(run_query(query).columns[0].values()[0] == 0) -}}
{%- endmacro %}

{#- In a model that keeps part of the fit: true when its rows were computed for the current fit. -#}
{% macro propensity_fit_is_kept() -%}
    {%- if not execute or not is_incremental() -%}
        {{- return(false) -}}
    {%- endif -%}
    {%- set query -%}
        select count(*)
        from {{ ref('int_propensity_snapshots') }} as fit
        where fit.snapshot_number = 0
            and fit.fit_id in (select kept.fit_id from {{ this }} as kept where kept.snapshot_number > 0)
    {%- endset -%}
    {{- return(run_query(query).columns[0].values()[0] > 0) -}}
{%- endmacro %}

{#-
    Pre-hook of the models that keep the fit's past snapshots: a refit
    replaces every row, otherwise only the scoring snapshot's rows are
    replaced.
-#}
{% macro delete_propensity_rows_to_replace(kept) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}{% if kept %} where snapshot_number = 0{% endif %}
    {%- endif -%}
{%- endmacro %}
