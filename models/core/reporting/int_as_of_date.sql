{{ config(materialized='table') }}

{#-
    The one date every mart is computed as of. The var as_of_date pins it;
    by default it is the date of the latest clean order, email or web event,
    so rebuilding on the same data gives the same rows.
-#}
{%- set pinned = var('as_of_date') -%}

with

{% if pinned %}
as_of as (

    select cast('{{ pinned }}' as date) as as_of_date

),
{% else %}
latest_events as (

    select max(ordered_at) as latest_at
    from {{ ref('int_orders_validated') }}
    where quarantine_reason is null

    union all

    select max(occurred_at) as latest_at
    from {{ ref('int_email_events_validated') }}
    where quarantine_reason is null

    union all

    select max(occurred_at) as latest_at
    from {{ ref('int_web_events_validated') }}
    where quarantine_reason is null

),

as_of as (

    select cast(max(latest_at) as date) as as_of_date
    from latest_events

),
{% endif %}

final as (

    select
        as_of_date,
        cast(as_of_date as {{ dbt.type_timestamp() }}) as as_of_at,
        {{ dbt.dateadd('day', 1, 'as_of_date') }} as as_of_cutoff_at

    from as_of

)

select * from final
