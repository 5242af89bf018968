{{ config(post_hook="{{ export_partitions_to_files(['kind'], formats=['parquet', 'csv']) }}") }}

{#- Exported by kind; the var export_fixture_kinds (comma-separated) picks the kinds that have rows. -#}

with

fixture as (

    select * from (values (1, 'a'), (2, 'a'), (3, 'b')) as fixture (fixture_id, kind)

)

select * from fixture
where list_contains(string_split('{{ var("export_fixture_kinds", "a,b") }}', ','), kind)
