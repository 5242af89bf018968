{{ config(unique_key='campaign_id') }}

{%- set window_start = reload_window_start() -%}

with

campaigns as (

    {{ rows_to_validate(ref('stg_esp__campaigns'), 'campaign_id', window_start) }}

),

verdict as (

    {{ quarantine_verdict('campaigns', key_columns=['campaign_id'], tie_breakers=['sent_at desc']) }}

)

select * from verdict
