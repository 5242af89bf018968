"""k-means++ cluster and its name for every customer, with the k chosen in int_cluster_k_search."""

from audience.clustering import ClusterSettings, cluster_table
from audience.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    # a fixed row order, so the seeded samples are the same on the same data
    customers = to_pandas(dbt.ref("int_customer_features"), order_by=["customer_id"])
    k_search = to_pandas(dbt.ref("int_cluster_k_search"), ["k", "is_chosen_k"])
    return cluster_table(customers, k_search, ClusterSettings.from_config(dbt.config.get("cluster_settings")))
