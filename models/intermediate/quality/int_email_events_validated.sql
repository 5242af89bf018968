with

email_events as (

    select * from {{ ref('stg_esp__email_events') }}

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
