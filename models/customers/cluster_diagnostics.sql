{#-
    For BI: the k search (one row per k tried: silhouette, inertia, chosen)
    and the cluster profiles (one row per cluster: size and centroid in the
    features' original units), told apart by diagnostic_type.
-#}

{%- set features = var('cluster_features') -%}

with

k_search as (

    select * from {{ ref('int_cluster_k_search') }}

),

clusters as (

    select * from {{ ref('customer_clusters') }}

),

features as (

    select * from {{ ref('int_customer_features') }}

),

k_rows as (

    select
        'k_search' as diagnostic_type,
        k,
        silhouette,
        inertia,
        is_chosen_k,
        cast(null as {{ dbt.type_int() }}) as cluster_id,
        cast(null as {{ dbt.type_string() }}) as cluster_label,
        cast(null as {{ dbt.type_bigint() }}) as cluster_size,
        {%- for feature in features %}
        cast(null as double) as centroid_{{ feature }}{{ "," if not loop.last }}
        {%- endfor %}

    from k_search

),

cluster_rows as (

    select
        'cluster' as diagnostic_type,
        (select k from k_search where is_chosen_k) as k,
        cast(null as double) as silhouette,
        cast(null as double) as inertia,
        cast(null as boolean) as is_chosen_k,
        clusters.cluster_id,
        clusters.cluster_label,
        count(*) as cluster_size,
        {%- for feature in features %}
        avg(features.{{ feature }}) as centroid_{{ feature }}{{ "," if not loop.last }}
        {%- endfor %}

    from clusters
    inner join features
        on clusters.customer_id = features.customer_id
    group by clusters.cluster_id, clusters.cluster_label

),

unioned as (

    select * from k_rows
    union all
    select * from cluster_rows

),

final as (

    select
        {{ surrogate_key(['diagnostic_type', 'k', 'cluster_id']) }} as cluster_diagnostic_id,
        *
    from unioned

)

select * from final
