"""k-means++ cluster and its name for every customer, with the k chosen in int_cluster_k_search."""

from audience.clustering import cluster_everyone


def model(dbt, session):
    dbt.config(materialized="table")
    features = dbt.ref("int_customer_features")
    k_search = dbt.ref("int_cluster_k_search")
    # a fixed row order, so the seeded samples are the same on the same data
    customers = features.order("customer_id").df()
    chosen = k_search.filter("is_chosen_k").project("k").fetchall()
    return cluster_everyone(
        customers,
        int(chosen[0][0]) if chosen else None,
        dbt.config.get("cluster_features"),
        dbt.config.get("cluster_log_features"),
        seed=dbt.config.get("cluster_random_seed"),
        min_size=dbt.config.get("cluster_min_size"),
        min_share=dbt.config.get("cluster_min_share"),
        fit_sample=dbt.config.get("cluster_fit_sample_size"),
        pca_components=dbt.config.get("cluster_pca_components"),
    )
