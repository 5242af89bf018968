{{ config(unique_key='contact_id') }}

{%- set window_start = reload_window_start() -%}

with

contacts as (

    {{ rows_to_validate(ref('stg_crm__contacts'), 'contact_id', window_start) }}

),

verdict as (

    {{ quarantine_verdict('contacts', key_columns=['contact_id'], tie_breakers=['updated_at desc']) }}

)

select * from verdict
