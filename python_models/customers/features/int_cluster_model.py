"""The clusters' fit as numbers: the feature transform and the centres (with their ids and names), with the k chosen
in int_cluster_k_search.

Kept between refits: while its stored rows carry the clusters family's current fit (int_model_fits), it returns them
as they are, and customer_clusters places every customer in the nearest kept centre (doc block `model_fits`).
"""

from audience.clustering import ClusterSettings, cluster_model_table, read_eligible
from audience.frames import kept_or_refitted, to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    settings = ClusterSettings.from_config(dbt.config.get("cluster_settings"))

    def fit():
        k_search = to_pandas(dbt.ref("int_cluster_k_search"), ["k", "is_chosen_k"])
        return cluster_model_table(read_eligible(dbt.ref("int_customer_features")), k_search, settings)

    return kept_or_refitted(dbt.ref("int_model_fits"), "clusters", session, dbt.this, fit)
