{{
    config(
        materialized='view',
        post_hook="{{ export_partitions_to_files(['segment_type', 'segment_key'], formats=['csv']) }}"
    )
}}

{#-
    One row per contact and segment in the shape ESP list imports expect
    (Klaviyo, Mailchimp: email, first and last name, then properties). The
    post-hook writes one CSV per segment to
    <exports>/segment_list_exports/segment_type=<type>/segment_key=<key>/
    and replaces the folder's files on every build, so a segment nobody is
    in any more leaves no list behind. A view: the lists are the join of two
    tables built just before, read once by the export (a table would store
    three million rows only to copy them out).
-#}

with

memberships as (

    select * from {{ ref('segment_memberships') }}

),

contacts as (

    select * from {{ ref('esp_contacts') }}

),

final as (

    select
        contacts.email,
        contacts.first_name,
        contacts.last_name,
        contacts.external_id,
        contacts.rfm_segment,
        contacts.engagement_tier,
        contacts.lifecycle_stage,
        contacts.cluster_label,
        contacts.ltv_tier,
        contacts.predicted_clv,
        contacts.recommended_product_1_name,
        memberships.segment_type,
        memberships.segment_key

    from memberships
    inner join contacts
        on memberships.external_id = contacts.external_id

)

select * from final
