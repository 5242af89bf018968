{#-
    One row per segment: contacts in it now, and how many entered and exited
    in this build's as-of date (since the previous build's date), for
    monitoring list syncs. A segment everyone left today is still listed,
    with zero contacts.
-#}

with

memberships as (

    select * from {{ ref('segment_memberships') }}

),

changes as (

    select * from {{ ref('segment_membership_changes') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

current_sizes as (

    select
        segment_id,
        segment_type,
        segment_key,
        segment_name,
        count(*) as contact_count

    from memberships
    group by segment_id, segment_type, segment_key, segment_name

),

latest_changes as (

    select
        changes.segment_id,
        changes.segment_type,
        changes.segment_key,
        max(changes.segment_name) as segment_name,
        count(case when changes.change_type = 'entered' then 1 end) as entered_count,
        count(case when changes.change_type = 'exited' then 1 end) as exited_count

    from changes
    cross join as_of
    where changes.changed_at = as_of.as_of_at
    group by changes.segment_id, changes.segment_type, changes.segment_key

),

final as (

    select
        coalesce(current_sizes.segment_id, latest_changes.segment_id) as segment_id,
        coalesce(current_sizes.segment_type, latest_changes.segment_type) as segment_type,
        coalesce(current_sizes.segment_key, latest_changes.segment_key) as segment_key,
        coalesce(current_sizes.segment_name, latest_changes.segment_name) as segment_name,
        cast(coalesce(current_sizes.contact_count, 0) as {{ dbt.type_bigint() }}) as contact_count,
        cast(coalesce(latest_changes.entered_count, 0) as {{ dbt.type_bigint() }}) as entered_count,
        cast(coalesce(latest_changes.exited_count, 0) as {{ dbt.type_bigint() }}) as exited_count,
        as_of.as_of_date

    from current_sizes
    full outer join latest_changes
        on current_sizes.segment_id = latest_changes.segment_id
    cross join as_of

)

{{ select_with_change_cursor('final', 'segment_id') }}
