{#-
    Fails for every non-null value that is not a valid, normalized email:
    one row per such value, with the rows that hold it, and the failures
    counted in rows. Each value is checked once: an address appears in
    many rows of the identity map (bench/README.md).
-#}
{% test valid_email(model, column_name) %}
{{ config(fail_calc='coalesce(sum(rows_with_value), 0)') }}

with emails as (

    select
        {{ column_name }} as email,
        count(*) as rows_with_value

    from {{ model }}
    where {{ column_name }} is not null
    group by {{ column_name }}

)

select
    email as invalid_email,
    rows_with_value

from emails
where email <> {{ normalize_email('email') }}
    or not {{ is_valid_email('email') }}

{% endtest %}
