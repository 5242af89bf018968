-- Right to erasure: nobody with a valid deletion request may remain in any
-- customer-level mart or fact. Returns every leaked row (severity error).

with

erased as (

    select identity_value as customer_id
    from {{ ref('int_erased_identities') }}
    where identity_type = 'customer_id'

),

leaks as (

    {% for model in ['customers', 'fct_orders', 'fct_email_events', 'customer_rfm', 'customer_engagement',
                     'customer_lifecycle', 'customer_ltv', 'customer_clusters'] %}
    select '{{ model }}' as model_name, customer_id
    from {{ ref(model) }}
    where customer_id in (select customer_id from erased)
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from leaks
