{{ config(unique_key='web_event_id') }}

{%- set window_start = reload_window_start() -%}

with

web_events as (

    {{ rows_to_validate(ref('stg_web__events'), 'web_event_id', window_start) }}

),

verdict as (

    {{ quarantine_verdict('web_events', key_columns=['web_event_id'], tie_breakers=['occurred_at']) }}

)

select * from verdict
