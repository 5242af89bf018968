{#-
    True when `item` is one of the values of `list`, a '|'-separated text
    (how the trigger seeds hold lists: 'a|b|c'). Whole values only: 'b' is
    in 'a|b', 'a' is not in 'ab|c'.
-#}
{% macro pipe_list_contains(list, item) -%}
    ('|' || {{ list }} || '|' like '%|' || {{ item }} || '|%')
{%- endmacro %}
