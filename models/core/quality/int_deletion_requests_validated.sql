{{ config(unique_key='email') }}

{%- set window_start = reload_window_start() -%}

with

deletion_requests as (

    {{ rows_to_validate(ref('stg_privacy__deletion_requests'), 'email', window_start) }}

),

verdict as (

    {{ quarantine_verdict('deletion_requests', key_columns=['email'], tie_breakers=['requested_at']) }}

)

select * from verdict
