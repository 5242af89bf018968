{#-
    Every reason code in the column is one the seed quarantine_reason_checks
    lists for this validated model, limited to the stages given (the
    `checked_in` column of quarantine_reasons: staging checks set
    invalid_reason; validation and ranking add to quarantine_reason). The
    codes are defined once, in the seeds; a check that starts emitting a new
    code fails here until the seeds name it. Returns the unknown codes with
    their row counts.
-#}
{% test quarantine_reason_is_known(model, column_name, stages=['staging', 'validation', 'ranking']) %}

with

known as (

    select checks.quarantine_reason
    from {{ ref('quarantine_reason_checks') }} as checks
    inner join {{ ref('quarantine_reasons') }} as reasons
        on checks.quarantine_reason = reasons.quarantine_reason
    where checks.validated_model = '{{ model.identifier }}'
        and reasons.checked_in in ({% for stage in stages %}'{{ stage }}'{% if not loop.last %}, {% endif %}{% endfor %})

),

found as (

    select {{ column_name }} as quarantine_reason, count(*) as row_count
    from {{ model }}
    where {{ column_name }} is not null
    group by {{ column_name }}

)

select found.*
from found
left join known
    on found.quarantine_reason = known.quarantine_reason
where known.quarantine_reason is null

{% endtest %}
