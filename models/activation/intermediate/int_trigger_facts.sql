{#-
    Everything a personalization trigger rule may test, one row per
    contactable customer and fact (long form, so that rules in the seed
    trigger_conditions are evaluated as data and a marketer
    adds a rule without touching SQL). A fact is a number or a text; null
    means "unknown or never happened" and fails every comparison. Only the
    facts some condition tests or some payload carries are kept: the rest
    would be half a million rows each that nobody reads.
-#}

{%- set number_facts = [
    'days_until_birthday', 'age_years', 'days_since_last_open', 'emails_delivered_90d',
    'abandoned_cart_age_hours', 'days_since_last_purchase', 'purchases', 'predicted_clv',
    'probability_alive', 'behavioral_score', 'purchase_probability', 'purchase_propensity_decile', 'churn_risk',
    'churn_risk_decile',
] -%}
{%- set text_facts = [
    'email_consent_status', 'country_code', 'region', 'rfm_segment', 'engagement_tier',
    'lifecycle_stage', 'ltv_tier', 'cluster_label', 'purchase_propensity_tier', 'churn_risk_tier',
    'last_purchase_category', 'complementary_category',
] -%}

with

conditions as (

    select * from {{ ref('trigger_conditions') }}

),

triggers as (

    select * from {{ ref('trigger_definitions') }}

),

fact_names as (

    {% for fact in number_facts + text_facts %}
    select '{{ fact }}' as fact
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

needed_facts as (

    select fact_names.fact
    from fact_names
    where fact_names.fact in (select fact from conditions)
        or exists (
            select 1
            from triggers
            where {{ pipe_list_contains('triggers.payload_facts', 'fact_names.fact') }}
        )

),

contacts as (

    select * from {{ ref('int_contactable_customers') }}

),

segments as (

    select * from {{ ref('customer_segments') }}

),

engagement as (

    select * from {{ ref('customer_engagement') }}

),

lifecycle as (

    select * from {{ ref('customer_lifecycle') }}

),

ltv as (

    select * from {{ ref('customer_ltv') }}

),

propensity as (

    select * from {{ ref('customer_propensity') }}

),

shopping_signals as (

    select * from {{ ref('int_customer_shopping_signals') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

birth_years as (

    select
        contacts.*,
        {{ dbt.datediff('contacts.birth_date', 'as_of.as_of_date', 'year') }} as years_since_birth_year

    from contacts
    cross join as_of

),

birthdays as (

    -- 29 February falls on 28 February in other years
    select
        birth_years.*,
        {{ dbt.dateadd('year', 'birth_years.years_since_birth_year', 'birth_years.birth_date') }} as birthday_this_year

    from birth_years

),

contacts_with_birthdays as (

    select
        birthdays.*,
        case
            when birthdays.birthday_this_year < as_of.as_of_date
                then {{ dbt.dateadd('year', 1, 'birthdays.birthday_this_year') }}
            else birthdays.birthday_this_year
        end as next_birthday,
        birthdays.years_since_birth_year
            - case when birthdays.birthday_this_year > as_of.as_of_date then 1 else 0 end as age_years

    from birthdays
    cross join as_of

),

wide as (

    select
        contacts.customer_key,
        {{ dbt.datediff('as_of.as_of_date', 'contacts.next_birthday', 'day') }} as days_until_birthday,
        contacts.age_years,
        {{ dbt.datediff('engagement.last_open_date', 'as_of.as_of_date', 'day') }} as days_since_last_open,
        engagement.emails_delivered_90d,
        shopping_signals.abandoned_cart_age_hours,
        lifecycle.days_since_last_purchase,
        lifecycle.purchases,
        ltv.predicted_clv,
        ltv.probability_alive,
        engagement.behavioral_score,
        propensity.purchase_probability,
        propensity.purchase_propensity_decile,
        propensity.churn_risk,
        propensity.churn_risk_decile,
        contacts.email_consent_status,
        contacts.country_code,
        contacts.region,
        segments.rfm_segment,
        segments.engagement_tier,
        segments.lifecycle_stage,
        segments.ltv_tier,
        segments.cluster_label,
        segments.purchase_propensity_tier,
        segments.churn_risk_tier,
        shopping_signals.last_purchase_category,
        shopping_signals.complementary_category

    from contacts_with_birthdays as contacts
    cross join as_of
    inner join segments
        on contacts.customer_key = segments.customer_key
    inner join engagement
        on contacts.customer_key = engagement.customer_key
    inner join lifecycle
        on contacts.customer_key = lifecycle.customer_key
    inner join ltv
        on contacts.customer_key = ltv.customer_key
    inner join propensity
        on contacts.customer_key = propensity.customer_key
    left join shopping_signals
        on contacts.customer_key = shopping_signals.customer_key

),

final as (

    -- one pass over the wide rows, one output row per needed fact (a union of one select per fact
    -- would plan the joins above once per fact on engines that do not reuse CTEs, such as Spark)
    select
        wide.customer_key,
        needed_facts.fact,
        case needed_facts.fact
            {%- for fact in number_facts %}
            when '{{ fact }}' then cast(wide.{{ fact }} as double)
            {%- endfor %}
        end as number_value,
        case needed_facts.fact
            {%- for fact in text_facts %}
            when '{{ fact }}' then cast(wide.{{ fact }} as {{ dbt.type_string() }})
            {%- endfor %}
        end as text_value

    from wide
    cross join needed_facts

)

select * from final
