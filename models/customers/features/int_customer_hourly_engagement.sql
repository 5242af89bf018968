{#-
    Each customer's engaged email messages (first open, or click when the
    open went untracked) by hour of day, up to the as-of cut-off: the input
    of customer_send_hours. Hours are UTC: the sources carry no time zone.
-#}

with

messages as (

    select customer_key, first_opened_at
    from {{ ref('int_customer_email_messages') }}
    where first_opened_at is not null

),

final as (

    select
        customer_key,
        cast(extract(hour from first_opened_at) as {{ dbt.type_int() }}) as hour_of_day,
        count(*) as engaged_messages

    from messages
    group by customer_key, cast(extract(hour from first_opened_at) as {{ dbt.type_int() }})

)

select * from final
