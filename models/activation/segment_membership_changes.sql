{{
    config(
        materialized='incremental',
        unique_key='segment_membership_change_id',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_rows_from_as_of_date('changed_at') }}",
        post_hook=erasure_hook({'customer_id': 'external_id'})
    )
}}

{#-
    Append-only log of segment entries and exits, read from
    segment_memberships_snapshot: an 'entered' event when a membership
    version opens, an 'exited' event when it closes (the contact moved to
    another segment, was suppressed, or the trigger stopped firing). A list
    sync adds on 'entered' and removes on 'exited' without diffing. Events
    are keyed by membership, type and time, and only new keys are appended,
    so rebuilding on the same data adds nothing. An incremental build reads
    only the versions it opened or closed (those dated by its as-of date),
    after removing the events an earlier build of that date wrote: a
    contact suppressed by data that arrived since must not keep an
    'entered' event of that date.
    An exit is the only row a suppressed contact can have here (it carries
    no email or traits); erased people's events are deleted. Its file export
    (meta.export in the yml) holds the last change_log_export_days days, a
    folder per day; publishing writes only the days a build changed.
-#}

with

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

history as (

    select snapshot.*
    from {{ ref('segment_memberships_snapshot') }} as snapshot
    {% if is_incremental() %}
    cross join as_of
    where snapshot.dbt_valid_from >= as_of.as_of_at
        or snapshot.dbt_valid_to >= as_of.as_of_at
    {% endif %}

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

select final.*
from final
{% if is_incremental() %}
cross join as_of
where final.changed_at >= as_of.as_of_at
    and final.segment_membership_change_id not in (
        select segment_membership_change_id
        from {{ this }}
        where changed_at >= (select as_of_at from as_of)
    )
{% endif %}
