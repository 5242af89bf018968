{#-
    The lifecycle stage of a customer from day counts measured as of one
    date (doc block `lifecycle_stages`). customer_lifecycle applies it as of
    the as-of date, int_customer_feature_snapshots at every propensity
    snapshot (its lifecycle baseline).
-#}
{% macro lifecycle_stage(purchases, days_since_first_purchase, days_since_last_purchase, days_since_last_engagement, days_silent_before_last_purchase) -%}
    case
        when {{ days_since_last_engagement }} > {{ var('lifecycle_churned_after_days') }}
            then 'churned'
        when {{ purchases }} = 0
            then 'subscriber'
        when {{ purchases }} >= 2
            and {{ days_since_last_purchase }} <= {{ var('lifecycle_reactivated_within_days') }}
            and {{ days_silent_before_last_purchase }} > {{ var('lifecycle_churned_after_days') }}
            then 'reactivated'
        when {{ days_since_first_purchase }} <= {{ var('lifecycle_new_within_days') }}
            then 'new'
        when {{ purchases }} >= {{ var('lifecycle_loyal_min_purchases') }}
            and {{ days_since_last_purchase }} <= {{ var('lifecycle_loyal_within_days') }}
            then 'loyal'
        when {{ days_since_last_purchase }} > {{ var('lifecycle_at_risk_after_days') }}
            then 'at_risk'
        else 'active'
    end
{%- endmacro %}
