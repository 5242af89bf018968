with

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

verdict as (

    {{ quarantine_verdict('contacts', key_columns=['contact_id'], tie_breakers=['updated_at desc']) }}

)

select * from verdict
