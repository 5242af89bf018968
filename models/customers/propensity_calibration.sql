{#-
    How well each propensity candidate's probabilities are calibrated on the
    validation slice: equal-count bins by predicted probability, the mean
    prediction next to the observed rate (cross-fitted Platt probabilities;
    doc block `propensity_models`).
-#}

with

validation as (

    select * from {{ ref('int_propensity_validation') }}
    where measure like 'calibration%'

),

final as (

    select
        target || '.' || candidate || '.' || cast(position as {{ dbt.type_string() }}) as propensity_calibration_id,
        target,
        candidate,
        position as calibration_bin,
        max(case when measure = 'calibration_mean_predicted' then value end) as mean_predicted,
        max(case when measure = 'calibration_observed_rate' then value end) as observed_rate,
        cast(max(case when measure = 'calibration_rows' then value end) as {{ dbt.type_bigint() }}) as customers

    from validation
    group by target, candidate, position

)

select * from final
