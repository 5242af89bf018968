{#-
    History of every customer's RFM segment, engagement tier and lifecycle
    stage. A new version is recorded when any of them changes; versions are
    dated by the as-of date of the build (not the wall clock), so rebuilding
    on the same data adds nothing. A customer who disappears (erased) has
    their current version closed.
-#}
{% snapshot customer_segments_snapshot %}

{{
    config(
        unique_key='customer_id',
        strategy='check',
        check_cols=['rfm_segment', 'engagement_tier', 'lifecycle_stage'],
        updated_at='as_of_at',
        hard_deletes='invalidate'
    )
}}

select * from {{ ref('customer_segments') }}

{% endsnapshot %}
