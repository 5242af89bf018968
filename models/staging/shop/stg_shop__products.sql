with

source as (

    select * from {{ source('shop', 'products') }}

),

renamed as (

    select
        -- ids
        product_id,

        -- strings
        {{ normalize_text('product_name') }} as product_name,
        lower({{ normalize_text('category') }}) as product_category,

        -- numerics (list price in the reporting currency)
        {{ plausible_amount('price') }} as list_price,

        -- timestamps
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _loaded_at,

        -- data quality
        coalesce(
            {{ loaded_at_issue() }},
            {{ key_issue(['product_id']) }},
            {{ amount_issue('price', allow_zero=true) }}
        ) as invalid_reason

    from source

)

select * from renamed
