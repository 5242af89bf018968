{{
    config(
        materialized='incremental',
        unique_key='trigger_firing_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="{{ delete_rows_from_as_of_date('fired_on') }}",
        post_hook=erasure_hook({'customer_id': 'customer_id'})
    )
}}

{#- The history of firings; cooldown and weekly cap (steps 2 to 4): doc block `trigger_rules` (models/activation/_activation__docs.md). -#}

with

evaluations as (

    select * from {{ ref('int_trigger_evaluations') }}

),

triggers as (

    select * from {{ ref('trigger_definitions') }}

),

facts as (

    select * from {{ ref('int_trigger_facts') }}

),

trigger_products as (

    select * from {{ ref('int_customer_trigger_products') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

previous_firings as (

    {% if is_incremental() %}
    select customer_id, trigger_key, fired_on
    from {{ this }}
    where fired_on < (select as_of_date from as_of)
    {% else %}
    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as trigger_key,
        cast(null as date) as fired_on
    where 1 = 0
    {% endif %}

),

cooling_down as (

    select distinct
        previous_firings.customer_id,
        previous_firings.trigger_key

    from previous_firings
    inner join triggers
        on previous_firings.trigger_key = triggers.trigger_key
    cross join as_of
    where previous_firings.fired_on > {{ dbt.dateadd('day', '-1 * triggers.cooldown_days', 'as_of.as_of_date') }}

),

firings_this_week as (

    select
        previous_firings.customer_id,
        count(*) as firing_count

    from previous_firings
    cross join as_of
    where previous_firings.fired_on > {{ dbt.dateadd('day', -7, 'as_of.as_of_date') }}
    group by previous_firings.customer_id

),

eligible as (

    select
        evaluations.customer_id,
        evaluations.customer_key,
        evaluations.trigger_key,
        triggers.priority,
        coalesce(firings_this_week.firing_count, 0) as firings_this_week,
        row_number() over (
            partition by evaluations.customer_id
            order by triggers.priority, evaluations.trigger_key
        ) as priority_rank

    from evaluations
    inner join triggers
        on evaluations.trigger_key = triggers.trigger_key
    left join cooling_down
        on evaluations.customer_id = cooling_down.customer_id
        and evaluations.trigger_key = cooling_down.trigger_key
    left join firings_this_week
        on evaluations.customer_id = firings_this_week.customer_id
    where cooling_down.customer_id is null

),

fired as (

    select *
    from eligible
    where priority_rank <= {{ var('trigger_max_per_contact_per_week') }} - firings_this_week

),

payload_facts as (

    select
        fired.customer_id,
        fired.trigger_key,
        {{ json_object_agg('facts.fact', json_scalar('facts.number_value', 'facts.text_value')) }} as facts_json

    from fired
    inner join triggers
        on fired.trigger_key = triggers.trigger_key
    inner join facts
        on fired.customer_key = facts.customer_key
        and {{ pipe_list_contains('triggers.payload_facts', 'facts.fact') }}
    group by fired.customer_id, fired.trigger_key

),

payload_products as (

    select
        fired.customer_id,
        fired.trigger_key,
        {{ json_array_agg(
            json_object_of({
                'product_id': 'trigger_products.product_id',
                'product_name': 'trigger_products.product_name',
                'product_category': 'trigger_products.product_category',
            }),
            'trigger_products.product_rank'
        ) }} as products_json

    from fired
    inner join triggers
        on fired.trigger_key = triggers.trigger_key
    inner join trigger_products
        on fired.customer_id = trigger_products.customer_id
        and triggers.product_source = trigger_products.product_source
    group by fired.customer_id, fired.trigger_key

),

final as (

    select
        {{ surrogate_key(['fired.customer_id', 'fired.trigger_key', 'as_of.as_of_date']) }} as trigger_firing_id,
        fired.customer_id,
        fired.trigger_key,
        triggers.trigger_name,
        triggers.priority,
        {{ json_object_of({
            'trigger_key': 'fired.trigger_key',
            'trigger_name': 'triggers.trigger_name',
            'offer_code': 'triggers.offer_code',
            'facts': "coalesce(payload_facts.facts_json, " ~ json_literal('{}') ~ ")",
            'products': "coalesce(payload_products.products_json, " ~ json_literal('[]') ~ ")",
        }, json_keys=['facts', 'products']) }} as payload,
        as_of.as_of_date as fired_on,
        as_of.as_of_cutoff_at as fired_at

    from fired
    inner join triggers
        on fired.trigger_key = triggers.trigger_key
    cross join as_of
    left join payload_facts
        on fired.customer_id = payload_facts.customer_id
        and fired.trigger_key = payload_facts.trigger_key
    left join payload_products
        on fired.customer_id = payload_products.customer_id
        and fired.trigger_key = payload_products.trigger_key

)

select * from final
