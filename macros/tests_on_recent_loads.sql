{#-
    Uniqueness tests of the validated event-level tables on the recent
    loads (doc block `tests_on_recent_loads`). A test's `where` config may say
    `__recent_loads__`, filled in when the test runs:

    - the rows loaded within var tests_on_recent_loads_hours before the
      relation's latest load not later than the build time (rows without a load
      time too: every incremental run re-reads them);
    - with the test's `meta: {recent_loads_key: <column>}`, every row of
      the keys loaded then, so a uniqueness test sees an old row of a key
      beside its new one;
    - `true` when the var is null (the default), on --full-refresh, and on
      a relation without load times: every row is tested, at no extra cost.

    dbt's own get_where_subquery wraps the relation in the filtered subquery
    the same way; this one only fills in the placeholder first.
-#}

{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if not where -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- if '__recent_loads__' in where -%}
        {%- set key = (config.get('meta') or {}).get('recent_loads_key') -%}
        {%- set where = where | replace('__recent_loads__', recent_loads(relation, key)) -%}
    {%- endif -%}
    {%- set filtered -%}
        (select * from {{ relation }} where {{ where }}) dbt_subquery
    {%- endset -%}
    {{ return(filtered) }}
{%- endmacro %}

{#- The condition `__recent_loads__` stands for; the load time's column is `column`. -#}
{% macro recent_loads(relation, key=none, column='_loaded_at') -%}
    {%- set hours = var('tests_on_recent_loads_hours') -%}
    {%- if hours is none or flags.FULL_REFRESH or not execute -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set since = hours_before_latest_load(relation, hours, column) -%}
    {%- if since is none -%}
        {{ return('true') }}
    {%- elif key is none -%}
        {{ return(loaded_since(since, column) | trim) }}
    {%- endif -%}
    {{ return(key ~ ' in (select ' ~ key ~ ' from ' ~ relation ~ ' where ' ~ (loaded_since(since, column) | trim) ~ ')') }}
{%- endmacro %}
