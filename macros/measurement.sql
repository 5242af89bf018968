{#-
    The campaign performance columns, aggregated over rows of
    int_campaign_message_outcomes (one per message). Rates are per delivered
    message and null when nothing was delivered:
      open_rate          unique opens / delivered (a click counts as an open)
      click_rate (CTR)   unique clicks / delivered
      click_to_open_rate unique clicks / unique opens
      conversion_rate    recipients with an attributed purchase / delivered
      unsubscribe_rate   unsubscribes / delivered
      revenue_per_email  attributed revenue / delivered
-#}
{% macro email_performance_metrics(alias) -%}
    {%- set flags = {
        'delivered': 'is_delivered',
        'unique_opens': 'is_opened',
        'unique_clicks': 'is_clicked',
        'unsubscribes': 'is_unsubscribed',
        'spam_complaints': 'is_spam_complaint',
        'hard_bounces': 'is_hard_bounced',
        'converted_recipients': 'is_converted',
    } %}
    count(*) as sends,
    {%- for name, flag in flags.items() %}
    cast(sum(case when {{ alias }}.{{ flag }} then 1 else 0 end) as {{ dbt.type_bigint() }}) as {{ name }},
    {%- endfor %}
    cast(sum({{ alias }}.attributed_orders) as {{ dbt.type_bigint() }}) as attributed_orders,
    sum({{ alias }}.attributed_revenue) as attributed_revenue
{%- endmacro %}

{% macro email_performance_rates() -%}
    {%- set rates = {
        'open_rate': 'unique_opens',
        'click_rate': 'unique_clicks',
        'conversion_rate': 'converted_recipients',
        'unsubscribe_rate': 'unsubscribes',
        'revenue_per_email': 'attributed_revenue',
    } -%}
    {%- for rate, numerator in rates.items() %}
    cast({{ numerator }} as double) / nullif(delivered, 0) as {{ rate }},
    {%- endfor %}
    cast(unique_clicks as double) / nullif(unique_opens, 0) as click_to_open_rate
{%- endmacro %}

{#-
    The counts of email_performance_metrics summed again, for rows that
    already hold them (every count is additive, so totals over groups of
    pre-aggregated rows equal totals over the messages).
-#}
{% macro email_performance_totals(alias) -%}
    {%- for column in email_performance_counts() %}
    {%- if column == 'attributed_revenue' %}
    sum({{ alias }}.{{ column }}) as {{ column }}
    {%- else %}
    cast(sum({{ alias }}.{{ column }}) as {{ dbt.type_bigint() }}) as {{ column }}
    {%- endif %}
    {{- "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- The additive counts email_performance_metrics produces, in order. -#}
{% macro email_performance_counts() -%}
    {{ return([
        'sends', 'delivered', 'unique_opens', 'unique_clicks', 'unsubscribes', 'spam_complaints',
        'hard_bounces', 'converted_recipients', 'attributed_orders', 'attributed_revenue',
    ]) }}
{%- endmacro %}

{#- The columns the two macros above produce, in order, for a model's final select. -#}
{% macro email_performance_columns() -%}
    {{ return(email_performance_counts() + [
        'open_rate', 'click_rate', 'click_to_open_rate', 'conversion_rate', 'unsubscribe_rate',
        'revenue_per_email',
    ]) }}
{%- endmacro %}
