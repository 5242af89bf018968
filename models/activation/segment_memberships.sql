{#-
    One row per contact and segment they belong to now: what a list sync
    mirrors into ESP lists or tags. entered_at is when the current,
    uninterrupted membership began (the start of its open snapshot version).
-#}

with

memberships as (

    select * from {{ ref('int_segment_memberships') }}

),

history as (

    select * from {{ ref('segment_memberships_snapshot') }}
    where dbt_valid_to is null

),

final as (

    select
        memberships.segment_membership_id,
        memberships.customer_id as external_id,
        memberships.segment_id,
        memberships.segment_type,
        memberships.segment_key,
        memberships.segment_name,
        history.dbt_valid_from as entered_at

    from memberships
    inner join history
        on memberships.segment_membership_id = history.segment_membership_id

)

{{ select_with_change_cursor('final', 'segment_membership_id') }}
