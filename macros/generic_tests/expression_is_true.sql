{#-
    Fails for every row where the boolean expression is not true (false or
    null). Put it on a model, or on a column to read better in the docs.
-#}
{% test expression_is_true(model, expression, where=none, column_name=none) %}

select *
from {{ model }}
where not coalesce({{ expression }}, false)
{% if where %}
    and ({{ where }})
{% endif %}

{% endtest %}
