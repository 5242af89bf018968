with

source as (

    select * from {{ source('privacy', 'deletion_requests') }}

),

renamed as (

    select
        -- ids
        {{ customer_key(normalize_email('email')) }} as customer_key,

        -- strings
        {{ normalize_email('email') }} as email,

        -- timestamps
        {{ to_utc_timestamp('requested_at') }} as requested_at,
        _loaded_at,

        -- data quality: a malformed address cannot be matched to anyone, so
        -- it is quarantined for a person to follow up; a missing or odd
        -- timestamp is not a reason to ignore an erasure request.
        coalesce(
            {{ loaded_at_issue() }},
            {{ email_issue(normalize_email('email')) }}
        ) as invalid_reason

    from source

)

select * from renamed
