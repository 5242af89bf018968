{#-
    Days before a propensity snapshot whose events its features read: the
    longest feature window (90 days), or longer when the lifecycle rule
    needs it (a reactivated buyer was silent lifecycle_churned_after_days
    before a purchase within lifecycle_reactivated_within_days).
-#}
{% macro propensity_lookback_days() %}
    {{- return([90, var('lifecycle_churned_after_days') + var('lifecycle_reactivated_within_days') + 1] | max) -}}
{% endmacro %}

{#-
    The past propensity snapshots cover a seeded sample of customers: those
    whose customer key (an MD5-derived number, uniform) modulo
    propensity_sample_buckets() falls below the snapshot's
    sample_bucket_limit (int_propensity_snapshots). The scoring snapshot's
    limit is every bucket. The same customers on every engine and rebuild.
-#}
{% macro propensity_sample_buckets() %}
    {{- return(1000000) -}}
{% endmacro %}

{% macro in_propensity_sample(customer_key, snapshots) -%}
    {{ customer_key }} % {{ propensity_sample_buckets() }} < {{ snapshots }}.sample_bucket_limit
{%- endmacro %}

{#-
    Pre-hook of the propensity models that keep the fit's past snapshots:
    a refit replaces every row, otherwise only the scoring snapshot's.
-#}
{% macro delete_propensity_rows_to_replace(kept) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}{% if kept %} where snapshot_number = 0{% endif %}
    {%- endif -%}
{%- endmacro %}
