{#- The rule: doc block `send_hour_method` (models/customers/_customers__docs.md). -#}

{%- set prior_weight = var('send_hour_prior_weight') -%}

with

customers as (

    select customer_id, customer_key from {{ ref('customers') }}

),

hourly as (

    select * from {{ ref('int_customer_hourly_engagement') }}

),

population as (

    select
        hour_of_day,
        sum(engaged_messages) as engaged_messages

    from hourly
    group by hour_of_day

),

population_shares as (

    select
        hour_of_day,
        engaged_messages / cast(sum(engaged_messages) over () as double) as population_share,
        row_number() over (order by engaged_messages desc, hour_of_day) as popularity_rank

    from population

),

population_best as (

    select hour_of_day, population_share
    from population_shares
    where popularity_rank = 1

),

contact_totals as (

    select
        customer_key,
        sum(engaged_messages) as engaged_messages

    from hourly
    group by customer_key

),

candidates as (

    -- a contact's smoothed share peaks at an hour they engaged in, or else at
    -- the population's best hour (every other hour has the contact's zero
    -- and a smaller population share), so only those hours are scored
    select customer_key, hour_of_day, engaged_messages
    from hourly

    union all

    select contact_totals.customer_key, population_best.hour_of_day, 0 as engaged_messages
    from contact_totals
    cross join population_best

),

candidate_hours as (

    select
        customer_key,
        hour_of_day,
        sum(engaged_messages) as engaged_messages

    from candidates
    group by customer_key, hour_of_day

),

smoothed as (

    select
        candidate_hours.customer_key,
        candidate_hours.hour_of_day,
        (candidate_hours.engaged_messages + {{ prior_weight }} * population_shares.population_share)
            / (contact_totals.engaged_messages + {{ prior_weight }}) as smoothed_share

    from candidate_hours
    inner join contact_totals
        on candidate_hours.customer_key = contact_totals.customer_key
    inner join population_shares
        on candidate_hours.hour_of_day = population_shares.hour_of_day

),

ranked as (

    select
        smoothed.*,
        row_number() over (
            partition by smoothed.customer_key
            order by smoothed.smoothed_share desc, smoothed.hour_of_day
        ) as hour_rank

    from smoothed

),

final as (

    select
        customers.customer_id,
        customers.customer_key,
        coalesce(ranked.hour_of_day, population_best.hour_of_day) as best_send_hour,
        coalesce(ranked.smoothed_share, population_best.population_share) as best_hour_share,
        coalesce(contact_totals.engaged_messages, 0) as engaged_messages,
        case when ranked.customer_key is null then 'population' else 'contact' end as send_hour_source

    from customers
    left join ranked
        on customers.customer_key = ranked.customer_key
        and ranked.hour_rank = 1
    left join contact_totals
        on customers.customer_key = contact_totals.customer_key
    left join population_best
        on 1 = 1

)

select * from final
