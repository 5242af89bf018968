{#-
    One branch per validated source table: (model, source, table, key expression).
    A new source table is added here and gets its reconciliation test in its
    sources yml.
-#}
{%- set validated = [
    ('int_contacts_validated', 'crm', 'contacts', 'contact_id'),
    ('int_shop_customers_validated', 'shop', 'customers', 'shop_customer_id'),
    ('int_orders_validated', 'shop', 'orders', 'order_id'),
    ('int_order_items_validated', 'shop', 'order_items', 'order_item_id'),
    ('int_products_validated', 'shop', 'products', 'product_id'),
    ('int_campaigns_validated', 'esp', 'campaigns', 'campaign_id'),
    ('int_email_events_validated', 'esp', 'email_events', 'email_event_id'),
    ('int_web_events_validated', 'web', 'events', 'web_event_id'),
    ('int_consent_events_validated', 'privacy', 'consent_events', 'consent_event_id'),
    ('int_deletion_requests_validated', 'privacy', 'deletion_requests', 'email'),
] -%}

with

{% for model, source_name, table_name, key in validated %}
{{ source_name }}__{{ table_name }} as (

    select
        '{{ source_name }}' as source_name,
        '{{ table_name }}' as source_table,
        cast({{ key }} as {{ dbt.type_string() }}) as source_key,
        survivor_rank,
        quarantine_reason,
        _loaded_at as loaded_at

    from {{ ref(model) }}
    where quarantine_reason is not null

),

{% endfor %}
unioned as (

    {% for _, source_name, table_name, _ in validated %}
    select * from {{ source_name }}__{{ table_name }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

numbered as (

    -- rows with a key are told apart by their survivor rank
    select
        source_name,
        source_table,
        source_key,
        survivor_rank as record_number,
        quarantine_reason,
        loaded_at

    from unioned
    where survivor_rank is not null

    union all

    -- rows without a key have no rank: numbered within their table by load
    -- time (rows that tie are identical here, so their order is moot); the
    -- window runs over these few rows only
    select
        source_name,
        source_table,
        source_key,
        row_number() over (partition by source_name, source_table order by loaded_at, quarantine_reason)
            as record_number,
        quarantine_reason,
        loaded_at

    from unioned
    where survivor_rank is null

),

final as (

    select
        {{ surrogate_key(['source_name', 'source_table', 'source_key', 'record_number']) }} as quarantined_record_id,
        source_name,
        source_table,
        source_key,
        quarantine_reason,
        loaded_at

    from numbered

)

select * from final
