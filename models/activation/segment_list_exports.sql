{{ config(materialized='view') }}

{#-
    One row per contact and segment, with the values an ESP's list import
    takes as they are: consent in the ESP's words, birthdays as MM/DD, money
    in cents and probabilities to four digits. Publishing writes one CSV per
    segment under the headers of the ESP that var esp_list_format names (each
    column's list_headers in the yml) and splits a file larger than
    esp_list_max_file_mb. A view: the join of two tables built just before,
    read once by the export.
-#}

with

memberships as (

    select * from {{ ref('segment_memberships') }}

),

contacts as (

    select * from {{ ref('esp_contacts') }}

),

consent_values as (

    select * from {{ ref('esp_consent_values') }}
    where esp = '{{ var("esp_list_format") }}'

),

final as (

    select
        contacts.email,
        contacts.first_name,
        contacts.last_name,
        contacts.external_id,
        contacts.country_code,
        case
            when contacts.birthday_month is not null and contacts.birthday_day is not null
                then lpad(cast(contacts.birthday_month as {{ dbt.type_string() }}), 2, '0')
                    || '/' || lpad(cast(contacts.birthday_day as {{ dbt.type_string() }}), 2, '0')
        end as birthday,
        consent_values.consent_value as email_consent,
        contacts.rfm_segment,
        contacts.engagement_tier,
        contacts.lifecycle_stage,
        contacts.cluster_label,
        contacts.ltv_tier,
        cast(round(contacts.predicted_clv, 2) as decimal(18, 2)) as predicted_clv,
        cast(round(contacts.probability_alive, 4) as decimal(5, 4)) as probability_alive,
        contacts.recommended_product_1_name,
        memberships.segment_type,
        memberships.segment_key

    from memberships
    inner join contacts
        on memberships.external_id = contacts.external_id
    left join consent_values
        on contacts.email_consent_status = consent_values.email_consent_status

)

select * from final
