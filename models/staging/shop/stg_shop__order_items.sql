with

source as (

    select * from {{ source('shop', 'order_items') }}

),

renamed as (

    select
        -- ids
        order_item_id,
        order_id,
        product_id,

        -- numerics (unit price in the order's own currency)
        cast(quantity as {{ dbt.type_int() }}) as quantity,
        cast(unit_price as {{ dbt.type_numeric() }}) as unit_price_local,

        -- timestamps
        _loaded_at,

        -- data quality
        coalesce(
            {{ key_issue(['order_item_id', 'order_id']) }},
            case
                when quantity is null or quantity <= 0 or unit_price is null or unit_price < 0
                    then 'non_positive_amount'
            end
        ) as invalid_reason

    from source

)

select * from renamed
