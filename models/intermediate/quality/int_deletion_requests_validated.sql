with

deletion_requests as (

    select * from {{ ref('stg_privacy__deletion_requests') }}

),

verdict as (

    {{ quarantine_verdict('deletion_requests', key_columns=['email'], tie_breakers=['requested_at']) }}

)

select * from verdict
