{#-
    One row per day for MetricFlow (the semantic layer's time spine): from
    var earliest_plausible_date, before which no clean event exists, to a
    year after the as-of date, so cumulative and offset metrics have days to
    join to. Built from digits, as both DuckDB and Spark read it.
-#}

with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

digits as (

    select 0 as digit union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9

),

day_offsets as (

    select
        ten_thousands.digit * 10000 + thousands.digit * 1000 + hundreds.digit * 100 + tens.digit * 10 + ones.digit
            as day_offset

    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
    cross join digits as ten_thousands

),

days as (

    select
        cast(
            {{ dbt.dateadd('day', 'day_offsets.day_offset', "cast('" ~ var('earliest_plausible_date') ~ "' as date)") }}
            as date
        ) as date_day

    from day_offsets

),

final as (

    select days.date_day

    from days
    cross join as_of
    where days.date_day <= cast({{ dbt.dateadd('day', 366, 'as_of.as_of_date') }} as date)

)

select * from final
