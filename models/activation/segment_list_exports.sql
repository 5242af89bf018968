{{
    config(
        materialized='external',
        location=exports_dir() ~ '/segment_lists',
        format='csv',
        options={'partition_by': 'segment_type, segment_key', 'overwrite': true},
        contract={'enforced': false}
    )
}}

{#-
    One CSV per segment in the shape ESP list imports expect (Klaviyo,
    Mailchimp: email, first and last name, then properties), written to
    <exports>/segment_lists/segment_type=<type>/segment_key=<key>/*.csv.
    The folder is rewritten on every build, so a segment nobody is in any
    more leaves no stale file.
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
