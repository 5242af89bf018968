with

web_events as (

    select * from {{ ref('stg_web__events') }}

),

verdict as (

    {{ quarantine_verdict('web_events', key_columns=['web_event_id'], tie_breakers=['occurred_at']) }}

)

select * from verdict
