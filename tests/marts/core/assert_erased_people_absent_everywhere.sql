-- Right to erasure: nobody with a valid deletion request may remain in any
-- customer-level mart, fact, snapshot (history included) or activation
-- table. Returns every leaked row (severity error).

with

erased as (

    select identity_value as customer_id
    from {{ ref('int_erased_identities') }}
    where identity_type = 'customer_id'

),

leaks as (

    {% for model in ['customers', 'fct_orders', 'fct_email_events', 'customer_rfm', 'customer_engagement',
                     'customer_lifecycle', 'customer_ltv', 'customer_clusters', 'customer_segments',
                     'customer_product_recommendations', 'int_trigger_firings',
                     'customer_segments_snapshot', 'segment_memberships_snapshot'] %}
    select '{{ model }}' as model_name, customer_id
    from {{ ref(model) }}
    where customer_id in (select customer_id from erased)

    union all

    {% endfor %}
    {% for model in ['esp_contacts', 'suppression_list', 'segment_memberships', 'segment_membership_changes',
                     'personalization_triggers'] %}
    select '{{ model }}' as model_name, external_id as customer_id
    from {{ ref(model) }}
    where external_id in (select customer_id from erased)
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from leaks
