{#- As the main project's snapshots: check strategy, one key, dated by the as-of time, deletes closed. -#}
{% snapshot checked_invalidated %}
{{ config(unique_key='row_key', strategy='check', check_cols=['amount'], updated_at='as_of_at', hard_deletes='invalidate') }}
-- depends_on: {{ ref('int_as_of_date') }}
select * from {{ ref('fixture_rows') }}
{% endsnapshot %}

{#- A key of two columns, the timestamp strategy. -#}
{% snapshot timestamped_two_keys %}
{{ config(unique_key=['row_key', 'part'], strategy='timestamp', updated_at='changed_at', hard_deletes='invalidate') }}
-- depends_on: {{ ref('int_as_of_date') }}
select * from {{ ref('fixture_rows') }}
{% endsnapshot %}

{#- Deletes ignored: a row that disappears keeps its open version. -#}
{% snapshot checked_ignoring_deletes %}
{{ config(unique_key='row_key', strategy='check', check_cols=['amount', 'part'], updated_at='as_of_at', hard_deletes='ignore') }}
-- depends_on: {{ ref('int_as_of_date') }}
select * from {{ ref('fixture_rows') }}
{% endsnapshot %}
