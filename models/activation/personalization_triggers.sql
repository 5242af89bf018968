{#-
    The personalization triggers that fired on the as-of date, one row per
    contact and trigger, after cooldowns, the weekly cap and the priority
    order (int_trigger_firings). payload is a JSON object for the email's
    dynamic block: trigger, offer code, the facts the trigger lists and up to
    3 products.
-#}

with

firings as (

    select * from {{ ref('int_trigger_firings') }}

),

contacts as (

    select customer_id from {{ ref('int_contactable_customers') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        firings.trigger_firing_id as personalization_trigger_id,
        firings.customer_id as external_id,
        firings.trigger_key,
        firings.trigger_name,
        firings.priority,
        cast(firings.payload as {{ dbt.type_string() }}) as payload,
        firings.fired_at

    from firings
    inner join contacts
        on firings.customer_id = contacts.customer_id
    cross join as_of
    where firings.fired_on = as_of.as_of_date

)

{{ select_with_change_cursor('final', 'personalization_trigger_id') }}
