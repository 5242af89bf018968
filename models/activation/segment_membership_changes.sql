{{
    config(
        materialized='incremental',
        unique_key='segment_membership_change_id',
        incremental_strategy='append',
        on_schema_change='fail',
        post_hook=[
            "{{ delete_erased_rows({'customer_id': 'external_id'}) }}",
            "{{ export_to_files() }}",
        ]
    )
}}

{#-
    Append-only log of segment entries and exits, read from
    segment_memberships_snapshot: an 'entered' event when a membership
    version opens, an 'exited' event when it closes (the contact moved to
    another segment, was suppressed, or the trigger stopped firing). A list
    sync adds on 'entered' and removes on 'exited' without diffing. Events
    are keyed by membership, type and time, and only new keys are appended,
    so rebuilding on the same data adds nothing. An exit is the only row a
    suppressed contact can have here (it carries no email or traits);
    erased people's events are deleted.
-#}

with

history as (

    select * from {{ ref('segment_memberships_snapshot') }}

),

events as (

    select
        segment_membership_id,
        customer_id,
        segment_id,
        segment_type,
        segment_key,
        segment_name,
        'entered' as change_type,
        dbt_valid_from as changed_at

    from history

    union all

    select
        segment_membership_id,
        customer_id,
        segment_id,
        segment_type,
        segment_key,
        segment_name,
        'exited' as change_type,
        dbt_valid_to as changed_at

    from history
    where dbt_valid_to is not null

),

final as (

    select
        {{ surrogate_key(['segment_membership_id', 'change_type', 'changed_at']) }} as segment_membership_change_id,
        segment_membership_id,
        customer_id as external_id,
        segment_id,
        segment_type,
        segment_key,
        segment_name,
        change_type,
        changed_at

    from events

)

select * from final
{% if is_incremental() %}
where segment_membership_change_id not in (select segment_membership_change_id from {{ this }})
{% endif %}
