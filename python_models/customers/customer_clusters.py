"""k-means++ cluster and its name for every customer, with the k chosen in int_cluster_k_search."""

from audience.clustering import ClusterSettings, cluster_table


def model(dbt, session):
    dbt.config(materialized="table")
    # a fixed row order, so the seeded samples are the same on the same data
    customers = dbt.ref("int_customer_features").order("customer_id").df()
    k_search = dbt.ref("int_cluster_k_search").select("k, is_chosen_k").df()
    return cluster_table(customers, k_search, ClusterSettings.from_config(dbt.config.get("cluster_settings")))
