with

source as (

    select * from {{ source('web', 'events') }}

),

renamed as (

    select
        -- ids
        {{ normalize_text('event_id') }} as web_event_id,
        {{ normalize_text('session_id') }} as session_id,
        {{ normalize_text('anonymous_id') }} as anonymous_id,
        product_id,
        {{ customer_key(normalize_email('email')) }} as customer_key,

        -- strings
        {{ normalize_email('email') }} as email,
        lower({{ normalize_text('event_type') }}) as event_type,
        {{ normalize_text('page_url') }} as page_url,
        lower({{ normalize_text('search_query') }}) as search_query,
        lower({{ normalize_text('device_type') }}) as device_type,

        -- timestamps
        {{ to_utc_timestamp('occurred_at') }} as occurred_at,
        _loaded_at,

        -- data quality (a missing email just means an anonymous visitor)
        coalesce(
            {{ loaded_at_issue() }},
            {{ key_issue(['event_id', 'session_id']) }},
            {{ email_issue(normalize_email('email'), required=false) }},
            {{ timestamp_issue('occurred_at') }},
            {{ enum_issue("lower(" ~ normalize_text('event_type') ~ ")", var('web_event_types'), 'unknown_event_type') }}
        ) as invalid_reason

    from source

)

select * from renamed
