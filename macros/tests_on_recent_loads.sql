{#-
    Tests of the event-level tables, their fact views and the history
    tables on the recent loads (doc block `tests_on_recent_loads`). A test's
    `where` config may say `__recent_loads__`, filled in when the test runs:

    - the rows loaded within var tests_on_recent_loads_hours before the
      relation's latest load not later than the build time (rows without a load
      time too: every incremental run re-reads them);
    - with the test's `meta: {recent_loads_key: <column>}`, every row of
      the keys loaded then, so a uniqueness test sees an old row of a key
      beside its new one;
    - with `meta: {recent_loads_of: <model>}`, on a view of that model (the
      fact views of the validated tables), the window and the keys are
      read from the model's stored rows: the view's own latest load would
      cost an evaluation of the view, the erasure anti-join included;
    - with `meta: {recent_loads_column: <column>}`, the time is that column
      instead of `_loaded_at`: the history tables' as-of time, which their
      keys include, so the rows written by the recent builds hold every
      copy of a key they wrote;
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
        {%- set meta = config.get('meta') or {} -%}
        {%- set loads = recent_loads(
            relation,
            meta.get('recent_loads_key'),
            column=meta.get('recent_loads_column', '_loaded_at'),
            loads_of=meta.get('recent_loads_of')
        ) -%}
        {%- set where = where | replace('__recent_loads__', loads) -%}
    {%- endif -%}
    {%- set filtered -%}
        (select * from {{ relation }} where {{ where }}) dbt_subquery
    {%- endset -%}
    {{ return(filtered) }}
{%- endmacro %}

{#-
    The condition `__recent_loads__` stands for; the load time's column is
    `column`, in `relation` and in the model `loads_of` (its name) when given.
-#}
{% macro recent_loads(relation, key=none, column='_loaded_at', loads_of=none) -%}
    {%- set hours = var('tests_on_recent_loads_hours') -%}
    {%- if hours is none or flags.FULL_REFRESH or not execute -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set loads = relation if loads_of is none else stored_relation(loads_of) -%}
    {%- set since = hours_before_latest_load(loads, hours, column) -%}
    {%- if since is none -%}
        {{ return('true') }}
    {%- elif key is none -%}
        {{ return(loaded_since(since, column) | trim) }}
    {%- endif -%}
    {{ return(key ~ ' in (select ' ~ key ~ ' from ' ~ loads ~ ' where ' ~ (loaded_since(since, column) | trim) ~ ')') }}
{%- endmacro %}

{#-
    The relation of the model, seed or snapshot called `name`, as ref() gives
    it, for a macro that runs inside a test whose node does not ref it (a
    ref there would be a dependency dbt cannot see when parsing).
-#}
{% macro stored_relation(name) -%}
    {%- for node in graph.nodes.values()
        if node.resource_type in ('model', 'seed', 'snapshot') and node.name == name and node.relation_name -%}
        {{ return(node.relation_name) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("stored_relation('" ~ name ~ "'): no model, seed or snapshot of that name") }}
{%- endmacro %}
