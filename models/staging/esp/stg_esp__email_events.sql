with

source as (

    select * from {{ source('esp', 'email_events') }}

),

renamed as (

    select
        -- ids
        {{ normalize_text('event_id') }} as email_event_id,
        {{ normalize_text('campaign_id') }} as campaign_id,
        {{ customer_key(normalize_email('email')) }} as customer_key,

        -- strings
        {{ normalize_email('email') }} as email,
        lower({{ normalize_text('event_type') }}) as event_type,
        {{ normalize_text('url') }} as clicked_url,

        -- timestamps
        {{ to_utc_timestamp('occurred_at') }} as occurred_at,
        _loaded_at,

        -- data quality
        coalesce(
            {{ loaded_at_issue() }},
            {{ key_issue(['event_id']) }},
            {{ email_issue(normalize_email('email')) }},
            {{ timestamp_issue('occurred_at') }},
            {{ enum_issue("lower(" ~ normalize_text('event_type') ~ ")", var('email_event_types'), 'unknown_event_type') }}
        ) as invalid_reason

    from source

)

select * from renamed
