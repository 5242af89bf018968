{#- Fails for every non-null value that is not a valid, normalized email. -#}
{% test valid_email(model, column_name) %}

select {{ column_name }} as invalid_email
from {{ model }}
where {{ column_name }} is not null
    and (
        {{ column_name }} <> {{ normalize_email(column_name) }}
        or not {{ is_valid_email(column_name) }}
    )

{% endtest %}
