with

source as (

    select * from {{ source('privacy', 'consent_events') }}

),

renamed as (

    select
        -- ids: the source has none; the event's content identifies it
        {{ surrogate_key([normalize_email('email'), 'lower(channel)', 'lower(status)', 'lower(source)', 'occurred_at']) }}
            as consent_event_id,
        {{ customer_key(normalize_email('email')) }} as customer_key,

        -- strings
        {{ normalize_email('email') }} as email,
        lower({{ normalize_text('channel') }}) as consent_channel,
        lower({{ normalize_text('status') }}) as consent_status,
        lower({{ normalize_text('source') }}) as consent_source,

        -- timestamps
        {{ to_utc_timestamp('occurred_at') }} as occurred_at,
        _loaded_at,

        -- data quality
        coalesce(
            {{ loaded_at_issue() }},
            {{ email_issue(normalize_email('email')) }},
            {{ timestamp_issue('occurred_at') }},
            {{ enum_issue("lower(" ~ normalize_text('status') ~ ")", var('consent_statuses'), 'unknown_status') }},
            {{ enum_issue("lower(" ~ normalize_text('channel') ~ ")", var('consent_channels'), 'unknown_channel') }}
        ) as invalid_reason

    from source

)

select * from renamed
