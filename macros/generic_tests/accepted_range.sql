{#- Fails for every non-null value outside [min_value, max_value] (bounds optional). -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}

{%- set low = ">=" if inclusive else ">" -%}
{%- set high = "<=" if inclusive else "<" -%}

select {{ column_name }} as out_of_range_value
from {{ model }}
where {{ column_name }} is not null
    and not (
        1 = 1
        {%- if min_value is not none %}
        and {{ column_name }} {{ low }} {{ min_value }}
        {%- endif %}
        {%- if max_value is not none %}
        and {{ column_name }} {{ high }} {{ max_value }}
        {%- endif %}
    )

{% endtest %}
