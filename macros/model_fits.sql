{#-
    Fits kept between refits (doc block `model_fits`). int_model_fits holds
    one row per fitted model family: the as-of date it was fitted on, its
    settings and an id. The models that keep part of a fit store that id
    and compare it with int_model_fits' (fit_is_kept, or in Python
    audience.frames.kept_fit) to keep their rows or compute them anew.
-#}

{#-
    The fitted families and the vars each fit reads (a change of any of
    them refits that family; the inputs' own vars, e.g. the score weights
    behind the cluster features, take effect at the next refit).
-#}
{% macro model_fit_vars() -%}
    {{- return({
        'propensity': [
            'propensity_snapshot_count', 'propensity_snapshot_interval_days', 'propensity_purchase_window_days',
            'propensity_engagement_window_days', 'propensity_history_customers', 'propensity_training_sample_size',
            'propensity_random_seed', 'btyd_time_unit', 'btyd_purchase_period', 'lifecycle_new_within_days',
            'lifecycle_loyal_min_purchases', 'lifecycle_loyal_within_days', 'lifecycle_at_risk_after_days',
            'lifecycle_churned_after_days', 'lifecycle_reactivated_within_days',
        ],
        'clusters': [
            'cluster_features', 'cluster_log_features', 'cluster_pca_components', 'cluster_k_min', 'cluster_k_max',
            'cluster_random_seed', 'cluster_min_size', 'cluster_min_share', 'cluster_fit_sample_size',
            'cluster_silhouette_sample_size',
        ],
        'clv': ['btyd_time_unit', 'btyd_purchase_period'],
        'product_similarities': [
            'recommendation_purchase_weight', 'recommendation_view_weight', 'recommendation_neighbours',
            'recommendation_min_co_customers', 'recommendation_similarity_shrinkage',
        ],
    }) -}}
{%- endmacro %}

{#- One family's settings as text: name=value pairs of its vars. -#}
{% macro model_fit_settings(family) -%}
    {%- set parts = [] -%}
    {%- for name in model_fit_vars()[family] -%}
        {%- do parts.append(name ~ '=' ~ (var(name) | string | replace("'", ""))) -%}
    {%- endfor -%}
    {{- return(parts | join(';')) -}}
{%- endmacro %}

{#- The config value that lets kept fits survive --full-refresh when var refit_on_full_refresh is false. -#}
{% macro refit_on_full_refresh_config() -%}
    {{- return(none if var('refit_on_full_refresh') else false) -}}
{%- endmacro %}

{#-
    In int_model_fits: the families this build fits anew. All of them when
    there is no kept fit (a new warehouse, --full-refresh); otherwise each
    family whose settings changed, whose as-of date is model_refit_days or
    more before this build's, or after it (a rebuild of an earlier date).
-#}
{% macro model_fits_due() -%}
    {%- set families = model_fit_vars().keys() | list | sort -%}
    {%- if not execute or not is_incremental() -%}
        {{- return(families) -}}
    {%- endif -%}
    {%- set query -%}
        select kept.model_family
        from {{ this }} as kept
        cross join {{ ref('int_as_of_date') }} as as_of
        where as_of.as_of_date >= kept.fitted_as_of_date
            and {{ dbt.datediff('kept.fitted_as_of_date', 'as_of.as_of_date', 'day') }} < {{ var('model_refit_days') }}
            and (
                {%- for family in families %}
                (kept.model_family = '{{ family }}' and kept.fit_settings = '{{ model_fit_settings(family) }}')
                {{- " or" if not loop.last }}
                {%- endfor %}
            )
    {%- endset -%}
    {%- set kept = run_query(query).columns[0].values() -%}
    {{- return(families | reject('in', kept) | list) -}}
{%- endmacro %}

{#-
    In a model that keeps part of a family's fit: true when its stored rows
    were computed for the family's current fit (before this build writes).
-#}
{% macro fit_is_kept(family) -%}
    {%- if not execute or not is_incremental() -%}
        {{- return(false) -}}
    {%- endif -%}
    {%- set query -%}
        select count(*)
        from {{ ref('int_model_fits') }}
        where model_family = '{{ family }}'
            and fit_id in (select kept.fit_id from {{ this }} as kept)
    {%- endset -%}
    {{- return(run_query(query).columns[0].values()[0] > 0) -}}
{%- endmacro %}
