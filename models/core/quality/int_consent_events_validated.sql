{{ config(unique_key='consent_event_id') }}

{%- set window_start = reload_window_start() -%}

with

consent_events as (

    {{ rows_to_validate(ref('stg_privacy__consent_events'), 'consent_event_id', window_start) }}

),

verdict as (

    {{ quarantine_verdict('consent_events', key_columns=['consent_event_id'], tie_breakers=['occurred_at']) }}

)

select * from verdict
