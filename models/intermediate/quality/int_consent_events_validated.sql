with

consent_events as (

    select * from {{ ref('stg_privacy__consent_events') }}

),

verdict as (

    {{ quarantine_verdict('consent_events', key_columns=['consent_event_id'], tie_breakers=['occurred_at']) }}

)

select * from verdict
