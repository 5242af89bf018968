-- Every contact is in exactly one segment of each single-valued type, so
-- the sizes of a type add up to the contacts; and sizes agree with the
-- memberships they count. Returns each disagreement.

with

contacts as (

    select count(*) as contact_count from {{ ref('esp_contacts') }}

),

sizes as (

    select segment_type, sum(contact_count) as contact_count
    from {{ ref('segment_sizes') }}
    group by segment_type

),

memberships as (

    select segment_type, count(*) as contact_count
    from {{ ref('segment_memberships') }}
    group by segment_type

),

disagreements as (

    select sizes.segment_type, sizes.contact_count, contacts.contact_count as expected_count
    from sizes
    cross join contacts
    where sizes.segment_type <> 'trigger'
        and sizes.contact_count <> contacts.contact_count

    union all

    select sizes.segment_type, sizes.contact_count, coalesce(memberships.contact_count, 0) as expected_count
    from sizes
    left join memberships
        on sizes.segment_type = memberships.segment_type
    where sizes.contact_count <> coalesce(memberships.contact_count, 0)

)

select * from disagreements
