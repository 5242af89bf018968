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
        cast(price as {{ dbt.type_numeric() }}) as list_price,

        -- timestamps
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _loaded_at,

        -- data quality
        coalesce(
            {{ key_issue(['product_id']) }},
            case when price is null or price < 0 then 'non_positive_amount' end
        ) as invalid_reason

    from source

)

select * from renamed
