{#-
    Permutation importance of each feature for the chosen propensity model:
    how much its validation ROC AUC falls when the feature's values are
    shuffled (mean and standard deviation over the repeats). Empty for a
    target whose chosen candidate is a baseline.
-#}

with

validation as (

    select * from {{ ref('int_propensity_validation') }}
    where measure like 'importance%'

),

importances as (

    select
        target,
        candidate,
        label as feature,
        max(case when measure = 'importance_mean' then value end) as importance_mean,
        max(case when measure = 'importance_std' then value end) as importance_std

    from validation
    group by target, candidate, label

),

final as (

    select
        target || '.' || feature as propensity_feature_importance_id,
        target,
        candidate,
        feature,
        importance_mean,
        importance_std,
        row_number() over (partition by target order by importance_mean desc, feature) as importance_rank

    from importances

)

select * from final
