{#-
    History of every contact's segment memberships (int_segment_memberships).
    A membership that appears opens a version (dbt_valid_from = the build's
    as-of date); one that disappears (the contact moved segment, was
    suppressed, or the trigger stopped firing) has its version closed at the
    as-of date (macros/snapshot_get_time.sql). Rebuilding on the same data
    changes nothing. People who asked to be erased lose their whole history.
-#}
{% snapshot segment_memberships_snapshot %}

{{
    config(
        unique_key='segment_membership_id',
        strategy='check',
        check_cols=['segment_name'],
        updated_at='as_of_at',
        hard_deletes='invalidate',
        pre_hook="{{ rewind_snapshot_to_as_of_date() }}",
        post_hook=erasure_hook({'customer_id': 'customer_id'})
    )
}}

-- depends_on: {{ ref('int_as_of_date') }}
-- depends_on: {{ ref('int_erased_identities') }}

select * from {{ ref('int_segment_memberships') }}

{% endsnapshot %}
