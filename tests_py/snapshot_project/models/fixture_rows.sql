{#-
    The rows the snapshots follow, by day. Day 2: a unchanged; b's value
    changes; c disappears; d's value goes from null to a value and e's from
    a value to null; f changes only a column no snapshot checks; g appears.
    Day 3: c comes back; b disappears; the rest as on day 2.
-#}
{%- set days = {
    1: [('a', 1, 10, 'x'), ('b', 1, 20, 'x'), ('c', 1, 30, 'x'), ('d', 2, none, 'x'), ('e', 2, 50, 'x'), ('f', 2, 60, 'x')],
    2: [('a', 1, 10, 'x'), ('b', 1, 21, 'x'), ('d', 2, 40, 'x'), ('e', 2, none, 'x'), ('f', 2, 60, 'y'), ('g', 3, 70, 'x')],
    3: [('a', 1, 10, 'x'), ('c', 1, 30, 'x'), ('d', 2, 40, 'x'), ('e', 2, none, 'x'), ('f', 2, 60, 'y'), ('g', 3, 70, 'x')],
} -%}

with as_of as (

    select * from {{ ref('int_as_of_date') }}

)

{% for key, part, value, note in days[var('day')] %}
select
    '{{ key }}' as row_key,
    {{ part }} as part,
    cast({{ 'null' if value is none else value }} as integer) as amount,
    '{{ note }}' as note,
    as_of.as_of_at,
    -- the timestamp strategy's updated_at: moves only on the day the row changed
    cast('2026-01-0{{ 2 if key in ('b', 'd', 'e', 'f') and var('day') > 1 else 1 }} 00:00:00' as timestamp) as changed_at
from as_of
{{ "union all" if not loop.last }}
{% endfor %}
