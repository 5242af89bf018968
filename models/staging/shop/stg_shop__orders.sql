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
        {{ plausible_amount('total_amount') }} as total_amount_local,
        {{ plausible_amount('coalesce(discount_amount, 0)') }} as discount_amount_local,

        -- timestamps
        {{ to_utc_timestamp('ordered_at') }} as ordered_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _loaded_at,

        -- data quality
        coalesce(
            {{ loaded_at_issue() }},
            {{ key_issue(['order_id']) }},
            {{ email_issue(normalize_email('email')) }},
            {{ timestamp_issue('ordered_at') }},
            {{ enum_issue("lower(" ~ normalize_text('status') ~ ")", var('order_statuses'), 'unknown_status') }},
            {{ amount_issue('total_amount', allow_zero=var('zero_amount_orders_are_valid')) }},
            case when discount_amount is not null then {{ amount_issue('discount_amount', allow_zero=true) }} end,
            case
                when discount_amount > {{ var('max_discount_to_total_ratio') }} * total_amount
                    then 'implausible_discount'
            end
        ) as invalid_reason

    from source

)

select * from renamed
