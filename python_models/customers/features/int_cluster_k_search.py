"""Inertia (elbow) and sampled silhouette for every k in the range; the best k is marked chosen."""

from audience.clustering import ClusterSettings, k_search_table


def model(dbt, session):
    dbt.config(materialized="table")
    settings = ClusterSettings.from_config(dbt.config.get("cluster_settings"))
    # a fixed row order, so the seeded samples are the same on the same data
    eligible = (
        dbt.ref("int_customer_features")
        .filter("has_sufficient_data")
        .order("customer_id")
        .select(", ".join(settings.features))
        .df()
    )
    return k_search_table(eligible, settings)
