{#- The rules (step 1): doc block `trigger_rules` (models/activation/_activation__docs.md). -#}

with

facts as (

    select * from {{ ref('int_trigger_facts') }}

),

conditions as (

    select * from {{ ref('trigger_conditions') }}

),

triggers as (

    select * from {{ ref('trigger_definitions') }}
    where is_enabled

),

contacts as (

    select customer_id, customer_key from {{ ref('int_contactable_customers') }}

),

condition_results as (

    select
        facts.customer_key,
        conditions.trigger_key,
        conditions.condition_group,
        coalesce(
            case conditions.operator
                when 'is_null' then facts.number_value is null and facts.text_value is null
                when 'is_not_null' then facts.number_value is not null or facts.text_value is not null
                when '=' then coalesce(
                    facts.text_value = conditions.value,
                    facts.number_value = {{ dbt.safe_cast('conditions.value', 'double') }}
                )
                when '!=' then coalesce(
                    facts.text_value <> conditions.value,
                    facts.number_value <> {{ dbt.safe_cast('conditions.value', 'double') }}
                )
                when '<' then facts.number_value < {{ dbt.safe_cast('conditions.value', 'double') }}
                when '<=' then facts.number_value <= {{ dbt.safe_cast('conditions.value', 'double') }}
                when '>' then facts.number_value > {{ dbt.safe_cast('conditions.value', 'double') }}
                when '>=' then facts.number_value >= {{ dbt.safe_cast('conditions.value', 'double') }}
                -- value holds the accepted texts separated by '|'
                when 'in' then {{ pipe_list_contains('conditions.value', 'facts.text_value') }}
                when 'not_in' then not {{ pipe_list_contains('conditions.value', 'facts.text_value') }}
            end,
            false
        ) as is_met

    from conditions
    inner join triggers
        on conditions.trigger_key = triggers.trigger_key
    inner join facts
        on conditions.fact = facts.fact

),

group_results as (

    select
        customer_key,
        trigger_key,
        condition_group,
        min(case when is_met then 1 else 0 end) = 1 as is_group_met

    from condition_results
    group by customer_key, trigger_key, condition_group

),

met_triggers as (

    select distinct
        customer_key,
        trigger_key

    from group_results
    where is_group_met

),

final as (

    select
        contacts.customer_id,
        met_triggers.customer_key,
        met_triggers.trigger_key

    from met_triggers
    inner join contacts
        on met_triggers.customer_key = contacts.customer_key

)

select * from final
