with

campaigns as (

    select * from {{ ref('stg_esp__campaigns') }}

),

verdict as (

    {{ quarantine_verdict('campaigns', key_columns=['campaign_id'], tie_breakers=['sent_at desc']) }}

)

select * from verdict
