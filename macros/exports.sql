{#-
    Post-hook of the activation tables: write the table just built to
    <exports dir>/<table>.parquet and .csv for syncs and tools that read
    files. The folder is AUDIENCE_EXPORTS_DIR (default exports/, created
    when dbt opens the warehouse, see src/audience/dbt_plugin.py).
-#}
{% macro exports_dir() -%}
    {{ return(env_var('AUDIENCE_EXPORTS_DIR', 'exports')) }}
{%- endmacro %}

{% macro export_to_files(formats=['parquet', 'csv']) -%}
    {%- for format in formats %}
    copy (select * from {{ this }}) to '{{ exports_dir() }}/{{ this.identifier }}.{{ format }}'
        (format {{ format }}{{ ', header true' if format == 'csv' }});
    {%- endfor %}
{%- endmacro %}
