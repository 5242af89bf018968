with

source as (

    select * from {{ source('shop', 'customers') }}

),

renamed as (

    select
        -- ids
        shop_customer_id,
        {{ customer_key(normalize_email('email')) }} as customer_key,

        -- strings
        {{ normalize_email('email') }} as email,
        {{ normalize_text('first_name') }} as first_name,
        {{ normalize_text('last_name') }} as last_name,

        -- booleans
        accepts_marketing as is_accepting_marketing,

        -- timestamps
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _loaded_at,

        -- data quality
        coalesce(
            {{ loaded_at_issue() }},
            {{ key_issue(['shop_customer_id']) }},
            {{ email_issue(normalize_email('email')) }},
            {{ timestamp_issue('updated_at') }},
            {{ implausible_date_issue('created_at') }}
        ) as invalid_reason

    from source

)

select * from renamed
