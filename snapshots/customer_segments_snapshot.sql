{#-
    History of every customer's RFM segment, engagement tier, lifecycle
    stage, cluster, LTV tier, purchase propensity and churn risk tiers. A new version is recorded when any of them changes; versions are
    dated by the as-of date of the build (not the wall clock, see
    macros/snapshot_get_time.sql), so rebuilding on the same data adds
    nothing. People who asked to be erased lose their whole history (the
    post-hook deletes every version), not only their current version.
-#}
{% snapshot customer_segments_snapshot %}

{{
    config(
        unique_key='customer_id',
        strategy='check',
        check_cols=segment_dimensions().values() | list,
        updated_at='as_of_at',
        hard_deletes='invalidate',
        pre_hook="{{ rewind_snapshot_to_as_of_date() }}",
        post_hook=erasure_hook({'customer_id': 'customer_id'})
    )
}}

-- depends_on: {{ ref('int_as_of_date') }}
-- depends_on: {{ ref('int_erased_identities') }}

select * from {{ ref('customer_segments') }}

{% endsnapshot %}
