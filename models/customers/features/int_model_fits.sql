{{
    config(
        materialized='incremental',
        unique_key='model_family',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        full_refresh=refit_on_full_refresh_config()
    )
}}

{#-
    One row per fitted model family (propensity, clusters, clv,
    product_similarities): the fit the models of that family use. A build
    writes a new row for each family whose refit is due (macro
    model_fits_due) and keeps the others. Doc block `model_fits`.
-#}

{%- set due = model_fits_due() -%}

with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

new_fits as (

    {%- for family in due %}
    select
        '{{ family }}' as model_family,
        '{{ model_fit_settings(family) }}' as fit_settings
    {{- "\n\n    union all\n" if not loop.last }}
    {%- else %}
    -- no refit is due: no row
    select
        cast(null as {{ dbt.type_string() }}) as model_family,
        cast(null as {{ dbt.type_string() }}) as fit_settings
    from as_of
    where 1 = 0
    {%- endfor %}

),

final as (

    select
        new_fits.model_family,
        as_of.as_of_date as fitted_as_of_date,
        {{ build_time() }} as fitted_at,
        {{ dbt.hash(dbt.concat([
            'new_fits.model_family',
            "cast(as_of.as_of_date as " ~ dbt.type_string() ~ ")",
            'new_fits.fit_settings',
            "cast(" ~ build_time() ~ " as " ~ dbt.type_string() ~ ")",
        ])) }} as fit_id,
        new_fits.fit_settings

    from new_fits
    cross join as_of

)

select * from final
