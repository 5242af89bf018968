{#- The rules are the doc block `email_permission_rules` (models/_docs.md). -#}

with

consent_events as (

    select * from {{ ref('int_consent_events_validated') }}

),

email_events as (

    select * from {{ ref('int_email_events_validated') }}
    where event_type in ('spam_complaint', 'bounce_hard', 'unsubscribe')

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

{#- Evidence counts from its event time when that time is trustworthy, else
    from its load time, else never lapses. -#}
{%- set effective_at -%}
    case
        when occurred_at between {{ earliest_plausible_timestamp() }}
            and {{ dbt.dateadd('hour', var('future_timestamp_tolerance_hours'), '_loaded_at') }}
            then occurred_at
        when _loaded_at is not null then _loaded_at
        else cast('9999-12-31' as {{ dbt.type_timestamp() }})
    end
{%- endset %}

consent_evidence as (

    select
        customer_key,
        consent_source,
        occurred_at,
        {{ is_email_opt_in() }} as is_opt_in,
        -- any status but subscribed says "do not mail", whatever the row's
        -- defects; a missing or unknown channel may be email
        {{ is_email_opt_out() }} as is_opt_out,
        {{ effective_at }} as effective_at

    from consent_events
    where email is not null

),

ranked_opt_ins as (

    select
        consent_evidence.customer_key,
        consent_evidence.occurred_at as opted_in_at,
        consent_evidence.consent_source,
        row_number() over (
            partition by consent_evidence.customer_key
            order by consent_evidence.occurred_at desc, consent_evidence.consent_source
        ) as recency_rank

    from consent_evidence
    cross join as_of
    where consent_evidence.is_opt_in
        and consent_evidence.occurred_at < as_of.as_of_cutoff_at

),

opt_ins as (

    select customer_key, opted_in_at, consent_source
    from ranked_opt_ins
    where recency_rank = 1

),

consent_opt_outs as (

    select
        customer_key,
        max(effective_at) as last_opted_out_at

    from consent_evidence
    where is_opt_out
    group by customer_key

),

esp_opt_outs as (

    select
        customer_key,
        min(case when event_type = 'spam_complaint' then {{ effective_at }} end) as first_complained_at,
        min(case when event_type = 'bounce_hard' then {{ effective_at }} end) as first_hard_bounced_at,
        max(case when event_type = 'unsubscribe' then {{ effective_at }} end) as last_esp_unsubscribed_at

    from email_events
    where email is not null
    group by customer_key

),

customer_keys as (

    select customer_key from opt_ins
    union
    select customer_key from consent_opt_outs
    union
    select customer_key from esp_opt_outs

),

combined as (

    select
        customer_keys.customer_key,
        opt_ins.consent_source as opt_in_source,
        opt_ins.opted_in_at,
        consent_opt_outs.last_opted_out_at,
        esp_opt_outs.last_esp_unsubscribed_at,
        esp_opt_outs.first_complained_at,
        esp_opt_outs.first_hard_bounced_at,
        -- greatest() skips nulls on DuckDB and Spark
        greatest(consent_opt_outs.last_opted_out_at, esp_opt_outs.last_esp_unsubscribed_at) as unsubscribed_at

    from customer_keys
    left join opt_ins
        on customer_keys.customer_key = opt_ins.customer_key
    left join consent_opt_outs
        on customer_keys.customer_key = consent_opt_outs.customer_key
    left join esp_opt_outs
        on customer_keys.customer_key = esp_opt_outs.customer_key

),

final as (

    select
        -- ids
        customer_key,

        -- strings
        case
            when is_unsubscribed then 'unsubscribed'
            when opted_in_at is not null then 'subscribed'
            else 'no_record'
        end as email_consent_status,
        opt_in_source,

        -- booleans
        first_complained_at is not null as has_complained,
        first_hard_bounced_at is not null as has_hard_bounced,
        is_unsubscribed,

        -- timestamps
        opted_in_at,
        unsubscribed_at,
        last_opted_out_at,
        last_esp_unsubscribed_at,
        first_complained_at,
        first_hard_bounced_at

    from (
        -- an opt-in lifts an opt-out only when it is later; a tie stays out
        select
            *,
            coalesce(unsubscribed_at >= opted_in_at, unsubscribed_at is not null) as is_unsubscribed
        from combined
    ) as decided

)

select * from final
