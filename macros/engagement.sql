{#-
    The engagement windows, in days. Fixed on purpose, not a var: each window
    names columns (`open_rate_180d`, `web_sessions_90d`, ...) that the
    customer_engagement contract, the clustering features, the trigger facts
    and BI read by name, so another list would rename published columns.
    Defined here once; customer_engagement and int_customer_signals_aggregated
    generate their window columns from it.
-#}
{% macro engagement_windows() -%}
    {{ return([30, 90, 180]) }}
{%- endmacro %}
