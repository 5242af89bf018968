with

source as (

    select * from {{ source('crm', 'contacts') }}

),

renamed as (

    select
        -- ids
        {{ normalize_text('contact_id') }} as contact_id,
        {{ customer_key(normalize_email('email')) }} as customer_key,

        -- strings
        {{ normalize_email('email') }} as email,
        {{ normalize_text('first_name') }} as first_name,
        {{ normalize_text('last_name') }} as last_name,
        {{ normalize_text('city') }} as city,
        {{ normalize_text('region') }} as region,
        upper({{ normalize_text('country') }}) as country_code,

        -- dates
        {{ to_date('birth_date') }} as birth_date,

        -- timestamps
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _loaded_at,

        -- data quality
        coalesce(
            {{ loaded_at_issue() }},
            {{ key_issue(['contact_id']) }},
            {{ email_issue(normalize_email('email')) }},
            {{ timestamp_issue('updated_at') }},
            {{ implausible_date_issue('created_at') }},
            case
                when {{ to_date('birth_date') }} > cast(_loaded_at as date)
                    or {{ to_date('birth_date') }} < {{ dbt.dateadd('year', -1 * var('max_age_years'), 'cast(_loaded_at as date)') }}
                    then 'implausible_date'
            end
        ) as invalid_reason

    from source

)

select * from renamed
