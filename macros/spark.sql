{#-
    What Spark (dbt-spark's session method, Delta tables) needs beyond the
    adapter's own macros. Nothing here runs on DuckDB.
-#}

{#-
    Seeds: dbt-spark's session method binds every value as '<value>', so an
    empty cell loads as the text 'None' and an apostrophe breaks the
    statement. The rows are written as SQL literals instead: null, numbers
    and booleans as they are, text quoted with Spark's backslash escapes,
    each cast to the column's type as dbt-spark does.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {%- for row in chunk %}
            ({%- for value in row -%}
                cast({{ spark_seed_literal(value) }} as {{ types[loop.index0] }}){{ ", " if not loop.last }}
            {%- endfor -%}){{ "," if not loop.last }}
            {%- endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}

{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        {{ spark__text_literal(value) }}
    {%- endif -%}
{%- endmacro %}

{#-
    on-run-start: the raw Parquet files as Spark tables. DuckDB reads each
    source's file through its external_location; Spark gets one table per
    source (`<source schema>.<identifier>`) over the same file, registered
    again on every run so a new extract is read afresh. Nothing on DuckDB.
-#}
{% macro register_raw_files() -%}
    {{ return(adapter.dispatch('register_raw_files', 'audience_warehouse')()) }}
{%- endmacro %}

{#- Nothing to run elsewhere: dbt skips a hook whose SQL is empty. -#}
{% macro default__register_raw_files() -%}
{%- endmacro %}

{% macro spark__register_raw_files() -%}
    {%- if execute -%}
        {%- set raw_dir = env_var('AUDIENCE_RAW_DIR', 'data/raw') -%}
        {%- for source in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- do run_query('create database if not exists ' ~ source.schema) -%}
            {%- do run_query('drop table if exists ' ~ source.schema ~ '.' ~ source.identifier) -%}
            {%- do run_query(
                'create table ' ~ source.schema ~ '.' ~ source.identifier
                ~ " using parquet location '" ~ raw_dir ~ '/' ~ source.identifier ~ ".parquet'"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{#-
    delete+insert on Delta, the strategy the incremental models use on
    DuckDB: the rows of the keys a run recomputed replace the stored rows of
    those keys (a key may have several rows, as in the validated models,
    which MERGE's update cannot express). The run's rows are first written
    to `<model>__dbt_staged` (the query may read the model itself, which the
    delete changes), the stored rows of their keys are deleted by a MERGE
    (Delta's DELETE takes no subquery), then the staged rows are inserted.
    The staged table is replaced by the next run. These two macros replace
    dbt-spark's of the same name (a root project's macro wins); the other
    strategies are written as dbt-spark writes them.
-#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
    {%- if raw_strategy == 'delete+insert' -%}
        {%- if file_format != 'delta' -%}
            {% do exceptions.raise_compiler_error('delete+insert needs file_format delta on Spark') %}
        {%- endif -%}
        {% do return(raw_strategy) %}
    {%- endif -%}
    {%- if raw_strategy not in ['append', 'merge', 'insert_overwrite'] -%}
        {% do exceptions.raise_compiler_error('Invalid incremental strategy on Spark: ' ~ raw_strategy) %}
    {%- endif -%}
    {%- if raw_strategy == 'merge' and file_format != 'delta' -%}
        {% do exceptions.raise_compiler_error('merge needs file_format delta on Spark') %}
    {%- endif -%}
    {% do return(raw_strategy) %}
{% endmacro %}

{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) %}
    {#- the strategies of dbt-spark's own macro this one replaces, as it writes them -#}
    {%- if strategy == 'append' -%}
        {{ return(get_insert_into_sql(source, target)) }}
    {%- elif strategy == 'insert_overwrite' -%}
        {{ return(get_insert_overwrite_sql(source, target, existing)) }}
    {%- elif strategy == 'merge' -%}
        {{ return(get_merge_sql(target, source, unique_key, dest_columns=none, incremental_predicates=incremental_predicates)) }}
    {%- endif -%}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}
    {%- set staged = target.incorporate(path={'identifier': target.identifier ~ '__dbt_staged'}) -%}
    {%- do run_query('create or replace table ' ~ staged ~ ' using delta as select * from ' ~ source) -%}
    {%- do run_query(delete_rows_with_keys_in(keys, 'select * from ' ~ staged, target)) -%}
    insert into {{ target }} select * from {{ staged }}
{% endmacro %}

{#-
    A contract's not-null constraints on Delta: Spark refuses to make a
    nullable column of an existing table non-nullable (which is what
    dbt-spark does after CREATE TABLE AS), so each becomes a CHECK constraint
    (`<column> is not null`), which Delta enforces on every later write, and
    the contract's promise holds the same.
-#}
{% macro spark__alter_column_set_constraints(relation, column_dict) %}
    {%- for column_name in column_dict -%}
        {%- for constraint in column_dict[column_name]['constraints'] if constraint.type == 'not_null' -%}
            {%- set name = column_name ~ '_is_not_null' -%}
            {%- call statement() -%}
                alter table {{ relation }} drop constraint if exists {{ name }}
            {%- endcall -%}
            {%- call statement() -%}
                alter table {{ relation }} add constraint {{ name }} check ({{ column_name }} is not null)
            {%- endcall -%}
        {%- endfor -%}
    {%- endfor -%}
{% endmacro %}
