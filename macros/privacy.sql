{#-
    Erasure, in one place. int_erased_identities lists everything that
    identifies a person who asked to be erased (their customer_key and
    customer_id, and every browser that logged in as them). Two uses, both
    through not_erased():

    - in a query: `where {{ not_erased('customer_key') }}` keeps a row only
      when its identity is not erased. The identity spine
      (int_customer_identity_map) applies it to every person; the event facts
      apply it to their events, which are not read through the spine.
    - as a post-hook, delete_erased_rows(): incremental tables and snapshots
      keep rows written before a request arrived, so those rows are deleted
      after each build.
-#}

{#-
    True when the value in `column` is not an erased `identity`
    (customer_key, customer_id or anonymous_id). A null value is not erased.
    `column` must be qualified (`orders.customer_key`): unqualified, it would
    bind to the subquery's own column and erase everyone.
-#}
{% macro not_erased(column, identity='customer_key') -%}
    {%- if '.' not in column -%}
        {{ exceptions.raise_compiler_error("not_erased('" ~ column ~ "'): qualify the column with its table or CTE") }}
    {%- endif %}
    not exists (
        select 1
        from {{ ref('int_erased_identities') }} as erased_identities
        where erased_identities.{{ identity }} = {{ column }}
    )
{%- endmacro %}

{#-
    The post-hook of every table that keeps rows written before an erasure
    request arrived: `post_hook=erasure_hook({'customer_id': 'customer_id'})`.
    On DuckDB it runs after the model's commit (deleting from rows the same
    transaction wrote makes DuckDB's commit rewrite them, bench/README.md);
    Spark has no transactions, and dbt's commit before such a hook is not
    SQL it accepts, so there it is a plain post-hook.
-#}
{% macro erasure_hook(columns) -%}
    {%- set sql = "{{ delete_erased_rows(" ~ columns ~ ") }}" -%}
    {{ return(after_commit(sql) if target.type == 'duckdb' else sql) }}
{%- endmacro %}

{#-
    Post-hook: delete this model's rows of erased people. `columns` maps an
    identity of int_erased_identities (customer_id, customer_key,
    anonymous_id) to the column of this model holding it; a row matching any
    is deleted. Models call it through erasure_hook().
-#}
{% macro delete_erased_rows(columns) -%}
    {{ return(adapter.dispatch('delete_erased_rows', 'audience_warehouse')(columns)) }}
{%- endmacro %}

{% macro default__delete_erased_rows(columns) -%}
    delete from {{ this }} as stored
    where not (
        {%- for identity, column in columns.items() %}
        {{ not_erased('stored.' ~ column, identity) }}{{ " and" if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{#-
    Delta's DELETE takes no subquery: on Spark each identity's rows go by a
    MERGE that deletes the matches (delete_rows_with_keys_in), one statement
    per identity (the last is the hook's own statement).
-#}
{% macro spark__delete_erased_rows(columns) -%}
    {%- set statements = [] -%}
    {%- for identity, column in columns.items() -%}
        {%- set erased -%}
            select {{ identity }} as {{ column }} from {{ ref('int_erased_identities') }} where {{ identity }} is not null
        {%- endset -%}
        {%- do statements.append(delete_rows_with_keys_in(column, erased)) -%}
    {%- endfor -%}
    {%- if execute -%}
        {%- for statement in statements[:-1] -%}
            {%- do run_query(statement) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ statements[-1] }}
{%- endmacro %}

{#-
    Email permission evidence in a consent event row (int_consent_events_validated),
    the rule of doc block `email_permission_rules`: an opt-in counts only from a
    valid email row; any status but subscribed on a row that may be email is an
    opt-out, whatever the row's defects (fail closed).
-#}
{% macro is_email_opt_in() -%}
    invalid_reason is null
            and consent_channel = 'email'
            and consent_status = 'subscribed'
{%- endmacro %}

{% macro is_email_opt_out() -%}
    coalesce(consent_channel, '') <> 'sms'
            and coalesce(consent_status, '') <> 'subscribed'
{%- endmacro %}
