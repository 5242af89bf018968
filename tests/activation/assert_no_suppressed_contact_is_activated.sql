-- Hard guarantee: nobody suppressed as of the as-of date is in a table a
-- sync reads, or holds an open membership in the change log (their last
-- event per segment must be an exit). Returns every leak (severity error).

with

suppressed as (

    select customer_id as external_id from {{ ref('int_contact_suppressions') }}

),

latest_changes as (

    select
        external_id,
        segment_membership_id,
        change_type,
        row_number() over (
            partition by segment_membership_id
            order by changed_at desc, change_type desc
        ) as recency_rank

    from {{ ref('segment_membership_changes') }}

),

leaks as (

    {% for model in ['esp_contacts', 'segment_memberships', 'personalization_triggers'] %}
    select '{{ model }}' as model_name, external_id
    from {{ ref(model) }}
    where external_id in (select external_id from suppressed)

    union all

    {% endfor %}
    select 'segment_list_exports' as model_name, external_id
    from {{ ref('segment_list_exports') }}
    where external_id in (select external_id from suppressed)

    union all

    select 'segment_membership_changes (open membership)' as model_name, external_id
    from latest_changes
    where recency_rank = 1
        and change_type = 'entered'
        and external_id in (select external_id from suppressed)

)

select * from leaks
