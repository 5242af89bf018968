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
        -- an implausible quantity (quarantined) would overflow the cast
        cast(case when abs(quantity) <= {{ var('max_plausible_amount') }} then quantity end as {{ dbt.type_int() }})
            as quantity,
        {{ plausible_amount('unit_price') }} as unit_price_local,

        -- timestamps
        _loaded_at,

        -- data quality
        coalesce(
            {{ loaded_at_issue() }},
            {{ key_issue(['order_item_id', 'order_id']) }},
            {{ amount_issue('quantity') }},
            {{ amount_issue('unit_price', allow_zero=true) }}
        ) as invalid_reason

    from source

)

select * from renamed
