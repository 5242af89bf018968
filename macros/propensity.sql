{#-
    Days before a propensity snapshot whose events its features read: the
    longest feature window (90 days), or longer when the lifecycle rule
    needs it (a reactivated buyer was silent lifecycle_churned_after_days
    before a purchase within lifecycle_reactivated_within_days).
-#}
{% macro propensity_lookback_days() %}
    {{- return([90, var('lifecycle_churned_after_days') + var('lifecycle_reactivated_within_days') + 1] | max) -}}
{% endmacro %}
