"""The clusters' fit as numbers: the feature transform and the centres (with their ids and names), with the k chosen
in int_cluster_k_search.

Kept between refits: while its stored rows carry the clusters family's current fit (int_model_fits), it returns them
as they are, and customer_clusters places every customer in the nearest kept centre (doc block `model_fits`).
"""

from audience.clustering import ClusterSettings, cluster_model_table
from audience.frames import kept_fit, to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    fit_id, stored = kept_fit(dbt.ref("int_model_fits"), "clusters", session, dbt.this)
    if stored is not None:
        return stored
    settings = ClusterSettings.from_config(dbt.config.get("cluster_settings"))
    # a fixed row order, so the seeded sample is the same on the same data
    eligible = to_pandas(dbt.ref("int_customer_features"), where="has_sufficient_data", order_by=["customer_id"])
    k_search = to_pandas(dbt.ref("int_cluster_k_search"), ["k", "is_chosen_k"])
    rows = cluster_model_table(eligible, k_search, settings)
    rows["fit_id"] = fit_id
    return rows
