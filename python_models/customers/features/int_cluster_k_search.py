"""Inertia (elbow) and sampled silhouette for every k in the range; the best k is marked chosen.

Kept between refits: while its stored rows carry the clusters family's current fit (int_model_fits), it returns
them as they are, and customer_clusters clusters everyone with the kept k (doc block `model_fits`).
"""

from audience.clustering import ClusterSettings, k_search_table
from audience.frames import kept_fit, to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    fit_id, stored = kept_fit(dbt.ref("int_model_fits"), "clusters", session, dbt.this)
    if stored is not None:
        return stored
    settings = ClusterSettings.from_config(dbt.config.get("cluster_settings"))
    # a fixed row order, so the seeded samples are the same on the same data
    eligible = to_pandas(
        dbt.ref("int_customer_features"), settings.features, where="has_sufficient_data", order_by=["customer_id"]
    )
    k_search = k_search_table(eligible, settings)
    k_search["fit_id"] = fit_id
    return k_search
