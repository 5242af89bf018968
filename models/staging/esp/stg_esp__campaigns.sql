with

source as (

    select * from {{ source('esp', 'campaigns') }}

),

renamed as (

    select
        -- ids
        {{ normalize_text('campaign_id') }} as campaign_id,
        {{ normalize_text('ab_test_id') }} as ab_test_id,

        -- strings
        {{ normalize_text('campaign_name') }} as campaign_name,
        {{ normalize_text('subject') }} as subject_line,
        upper({{ normalize_text('variant') }}) as variant,
        lower({{ normalize_text('campaign_type') }}) as campaign_type,

        -- timestamps
        {{ to_utc_timestamp('sent_at') }} as sent_at,
        _loaded_at,

        -- data quality: a campaign is scheduled before it is sent, so a
        -- send time after the load is expected and not checked here.
        coalesce(
            {{ loaded_at_issue() }},
            {{ key_issue(['campaign_id']) }},
            case when {{ to_utc_timestamp('sent_at') }} is null then 'unparseable_timestamp' end,
            {{ implausible_date_issue('sent_at') }},
            {{ enum_issue("lower(" ~ normalize_text('campaign_type') ~ ")", var('campaign_types'), 'unknown_campaign_type') }}
        ) as invalid_reason

    from source

)

select * from renamed
