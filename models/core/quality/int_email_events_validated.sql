{{ config(unique_key='email_event_id') }}

{#-
    Every ESP event row with its verdict. Events of a campaign the ESP never
    delivered are orphans; they are checked again on every run, so a late
    campaign row frees them.
-#}

{%- set window_start = reload_window_start() -%}

with

email_events as (

    {{ rows_to_validate(ref('stg_esp__email_events'), 'email_event_id', window_start, recheck_reasons=['orphan_campaign']) }}

),

campaigns as (

    select distinct campaign_id from {{ ref('stg_esp__campaigns') }}

),

checked as (

    select
        email_events.*,
        coalesce(
            email_events.invalid_reason,
            case when campaigns.campaign_id is null then 'orphan_campaign' end
        ) as failed_check

    from email_events
    left join campaigns
        on email_events.campaign_id = campaigns.campaign_id

),

verdict as (

    {{ quarantine_verdict('checked', key_columns=['email_event_id'], failed_check='failed_check', tie_breakers=['occurred_at']) }}

)

select * from verdict
