with

campaigns as (

    select * from {{ ref('int_campaigns_validated') }}
    where quarantine_reason is null

),

final as (

    select
        -- ids
        campaign_id,
        ab_test_id,

        -- strings
        campaign_name,
        subject_line,
        variant,
        campaign_type,

        -- booleans
        ab_test_id is not null as is_ab_test,
        variant = 'A' as is_control_variant,

        -- timestamps
        sent_at

    from campaigns

)

select * from final
