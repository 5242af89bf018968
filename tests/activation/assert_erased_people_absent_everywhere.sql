-- Right to erasure: nobody with a deletion request may remain in any
-- customer-level mart, fact, snapshot (history included) or activation
-- table. Returns every leaked row (severity error).

with

erased as (

    select distinct customer_id, customer_key
    from {{ ref('int_erased_identities') }}

),

erased_browsers as (

    select anonymous_id
    from {{ ref('int_erased_identities') }}
    where anonymous_id is not null

),

leaks as (

    {% for model in ['customers', 'customer_rfm', 'customer_engagement', 'customer_lifecycle', 'customer_ltv',
                     'customer_clusters', 'customer_segments', 'customer_product_recommendations',
                     'int_trigger_firings', 'customer_segments_snapshot', 'segment_memberships_snapshot',
                     'customer_stage_transitions'] %}
    select '{{ model }}' as model_name, customer_id
    from {{ ref(model) }}
    where customer_id in (select customer_id from erased)

    union all

    {% endfor %}
    {% for model, column in [('fct_orders', 'customer_key'), ('fct_email_events', 'customer_key'),
                             ('fct_web_events', 'customer_key'), ('fct_web_sessions', 'logged_in_customer_key'),
                             ('int_email_messages_aggregated', 'customer_key'), ('int_email_recipients', 'customer_key')] %}
    select '{{ model }}' as model_name, erased.customer_id
    from {{ ref(model) }} as leaked
    inner join erased
        on leaked.{{ column }} = erased.customer_key

    union all

    {% endfor %}
    {% for model in ['fct_web_events', 'fct_web_sessions', 'int_web_visitors'] %}
    select '{{ model }}' as model_name, anonymous_id as customer_id
    from {{ ref(model) }}
    where anonymous_id in (select anonymous_id from erased_browsers)

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
