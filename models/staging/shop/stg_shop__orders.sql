with

source as (

    select * from {{ source('shop', 'orders') }}

),

renamed as (

    select
        -- ids
        order_id,
        shop_customer_id,
        {{ customer_key(normalize_email('email')) }} as checkout_customer_key,

        -- strings
        {{ normalize_email('email') }} as email,
        lower({{ normalize_text('status') }}) as order_status,
        upper({{ normalize_text('currency') }}) as currency_code,

        -- numerics (in the order's own currency; converted downstream)
        cast(total_amount as {{ dbt.type_numeric() }}) as total_amount_local,
        cast(coalesce(discount_amount, 0) as {{ dbt.type_numeric() }}) as discount_amount_local,

        -- timestamps
        {{ to_utc_timestamp('ordered_at') }} as ordered_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _loaded_at,

        -- data quality
        coalesce(
            {{ key_issue(['order_id']) }},
            {{ email_issue(normalize_email('email')) }},
            {{ timestamp_issue('ordered_at') }},
            case
                when total_amount is null
                    or total_amount {{ '<' if var('zero_amount_orders_are_valid') else '<=' }} 0
                    then 'non_positive_amount'
            end
        ) as invalid_reason

    from source

)

select * from renamed
