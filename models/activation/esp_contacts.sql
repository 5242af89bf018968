{#-
    One row per contactable person, the profile a reverse-ETL sync upserts
    into the ESP: identifiers, personalization tokens and every segment trait
    as a flat column. external_id is the customer_id (a hash of the
    normalized email), so it never changes for the same person. Suppressed
    and erased people are never here (int_contactable_customers).
-#}

with

contacts as (

    select * from {{ ref('int_contactable_customers') }}

),

segments as (

    select * from {{ ref('customer_segments') }}

),

rfm as (

    select customer_id, rfm_cell from {{ ref('customer_rfm') }}

),

ltv as (

    select customer_id, predicted_clv, probability_alive from {{ ref('customer_ltv') }}

),

propensity as (

    select customer_id, purchase_propensity_decile, churn_risk_decile from {{ ref('customer_propensity') }}

),

send_hours as (

    select customer_id, best_send_hour from {{ ref('customer_send_hours') }}

),

recommended_products as (

    select * from {{ ref('int_customer_trigger_products') }}
    where product_source = 'recommendations'

),

recommendations as (

    select
        customer_id,
        {% for rank in range(1, 4) %}
        max(case when product_rank = {{ rank }} then product_id end) as recommended_product_{{ rank }}_id,
        max(case when product_rank = {{ rank }} then product_name end) as recommended_product_{{ rank }}_name
        {{- "," if not loop.last }}
        {% endfor %}

    from recommended_products
    group by customer_id

),

final as (

    select
        -- ids
        contacts.customer_id as external_id,
        contacts.email,
        {{ sha256('contacts.email') }} as email_sha256,

        -- personalization tokens
        contacts.first_name,
        contacts.last_name,
        contacts.city,
        contacts.region,
        contacts.country_code,
        cast(extract(month from contacts.birth_date) as {{ dbt.type_int() }}) as birthday_month,
        cast(extract(day from contacts.birth_date) as {{ dbt.type_int() }}) as birthday_day,
        contacts.email_consent_status,

        -- segment traits
        segments.rfm_segment,
        rfm.rfm_cell,
        segments.engagement_tier,
        segments.lifecycle_stage,
        segments.cluster_label,
        segments.ltv_tier,
        ltv.predicted_clv,
        ltv.probability_alive,
        propensity.purchase_propensity_decile,
        propensity.churn_risk_decile,
        send_hours.best_send_hour,
        {% for rank in range(1, 4) %}
        recommendations.recommended_product_{{ rank }}_id,
        recommendations.recommended_product_{{ rank }}_name
        {{- "," if not loop.last }}
        {% endfor %}

    from contacts
    inner join segments
        on contacts.customer_id = segments.customer_id
    inner join rfm
        on contacts.customer_id = rfm.customer_id
    inner join ltv
        on contacts.customer_id = ltv.customer_id
    inner join propensity
        on contacts.customer_id = propensity.customer_id
    inner join send_hours
        on contacts.customer_id = send_hours.customer_id
    left join recommendations
        on contacts.customer_id = recommendations.customer_id

)

{{ select_with_change_cursor('final', 'external_id') }}
