{#-
    The customer label dimensions of customer_segments, by segment type:
    what the snapshot tracks, the transitions mart unpivots, activation turns
    into segments and campaign performance breaks down by. One list, so a new
    dimension is added in one place.
-#}
{% macro segment_dimensions() -%}
    {{ return({
        'rfm': 'rfm_segment',
        'engagement': 'engagement_tier',
        'lifecycle': 'lifecycle_stage',
        'cluster': 'cluster_label',
        'ltv': 'ltv_tier',
        'purchase_propensity': 'purchase_propensity_tier',
        'churn_risk': 'churn_risk_tier',
    }) }}
{%- endmacro %}
