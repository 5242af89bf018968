"""Inertia (elbow) and sampled silhouette for every k in the range; the best k is marked chosen."""

from audience.clustering import ClusterSettings, k_search_table
from audience.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    settings = ClusterSettings.from_config(dbt.config.get("cluster_settings"))
    # a fixed row order, so the seeded samples are the same on the same data
    eligible = to_pandas(
        dbt.ref("int_customer_features"), settings.features, where="has_sufficient_data", order_by=["customer_id"]
    )
    return k_search_table(eligible, settings)
