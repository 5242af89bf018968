{#-
    One row per propensity target and candidate (model or baseline): its
    out-of-time performance on the validation slice, and whether it was
    chosen. Doc block `propensity_models`.
-#}

{%- set measures = [
    'roc_auc', 'roc_auc_se', 'pr_auc', 'brier_score', 'log_loss', 'top_decile_lift', 'top_decile_capture_rate',
    'positive_rate', 'validation_rows', 'validation_positives', 'training_rows', 'validation_snapshot_number',
    'is_chosen',
] -%}
{%- set counts = ['validation_rows', 'validation_positives', 'training_rows', 'validation_snapshot_number'] -%}

with

validation as (

    select * from {{ ref('int_propensity_validation') }}
    where position is null and label is null

),

snapshots as (

    select snapshot_number, snapshot_date from {{ ref('int_propensity_snapshots') }}

),

candidates as (

    select
        target,
        candidate,
        candidate_kind,
        {%- for measure in measures %}
        max(case when measure = '{{ measure }}' then value end) as {{ measure }}
        {{- "," if not loop.last }}
        {%- endfor %}

    from validation
    group by target, candidate, candidate_kind

),

best_baselines as (

    select
        target,
        max(roc_auc) as best_baseline_roc_auc

    from candidates
    where candidate_kind = 'baseline'
    group by target

),

final as (

    select
        candidates.target || '.' || candidates.candidate as propensity_model_evaluation_id,
        candidates.target,
        candidates.candidate,
        candidates.candidate_kind,
        {%- for measure in measures if measure not in counts + ['is_chosen'] %}
        candidates.{{ measure }},
        {%- endfor %}
        {%- for measure in counts if measure != 'validation_snapshot_number' %}
        cast(candidates.{{ measure }} as {{ dbt.type_bigint() }}) as {{ measure }},
        {%- endfor %}
        snapshots.snapshot_date as validation_snapshot_date,
        best_baselines.best_baseline_roc_auc,
        candidates.roc_auc - best_baselines.best_baseline_roc_auc as roc_auc_over_best_baseline,
        candidates.is_chosen = 1 as is_chosen,
        case
            when candidates.candidate = 'base_rate'
                then 'chosen: too few outcomes to train or validate, everyone gets the base rate'
            when candidates.is_chosen = 1 and candidates.candidate_kind = 'model'
                then 'chosen: beats every baseline'
            when candidates.is_chosen = 1
                then 'chosen: no model beat this baseline, customers are scored by it'
            when candidates.candidate_kind = 'model' and candidates.roc_auc <= best_baselines.best_baseline_roc_auc
                then 'not chosen: does not beat the best baseline'
            else 'not chosen'
        end as verdict

    from candidates
    inner join best_baselines
        on candidates.target = best_baselines.target
    left join snapshots
        on cast(candidates.validation_snapshot_number as {{ dbt.type_int() }}) = snapshots.snapshot_number

)

select * from final
