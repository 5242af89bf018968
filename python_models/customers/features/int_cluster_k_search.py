"""Inertia (elbow) and sampled silhouette for every k in the range; the best k is marked chosen.

Kept between refits: while its stored rows carry the clusters family's current fit (int_model_fits), it returns
them as they are, and customer_clusters clusters everyone with the kept k (doc block `model_fits`).
"""

from audience.clustering import ClusterSettings, k_search_table, read_eligible
from audience.frames import kept_or_refitted


def model(dbt, session):
    dbt.config(materialized="table")
    settings = ClusterSettings.from_config(dbt.config.get("cluster_settings"))

    def fit():
        return k_search_table(read_eligible(dbt.ref("int_customer_features"), settings.features), settings)

    return kept_or_refitted(dbt.ref("int_model_fits"), "clusters", session, dbt.this, fit)
