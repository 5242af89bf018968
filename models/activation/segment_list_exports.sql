{{ config(materialized='view') }}

{#-
    One row per contact and segment in the shape ESP list imports expect
    (Klaviyo, Mailchimp: email, first and last name, then properties).
    Publishing writes one CSV per segment (its yml's meta.export), and
    replaces the folder on every build, so a segment nobody is in any more
    leaves no list behind. A view: the lists are the join of two tables
    built just before, read once by the export.
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
