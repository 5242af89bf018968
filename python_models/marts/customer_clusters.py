"""k-means++ cluster and its name for every customer, with the k chosen in int_cluster_k_search."""

import pandas as pd

from audience.clustering import INSUFFICIENT_DATA, cluster_customers


def model(dbt, session):
    dbt.config(materialized="table")
    features = dbt.ref("int_customer_features")
    k_search = dbt.ref("int_cluster_k_search")
    cluster_features = dbt.config.get("cluster_features")
    log_features = dbt.config.get("cluster_log_features")
    pca_components = dbt.config.get("cluster_pca_components")
    seed = dbt.config.get("cluster_random_seed")
    min_size = dbt.config.get("cluster_min_size")
    min_share = dbt.config.get("cluster_min_share")
    fit_sample = dbt.config.get("cluster_fit_sample_size")
    silhouette_sample = dbt.config.get("cluster_silhouette_sample_size")

    # a fixed row order, so the seeded samples are the same on the same data
    customers = features.order("customer_id").df()
    chosen_k = int(k_search.filter("is_chosen_k").project("k").fetchall()[0][0])
    sufficient = customers.has_sufficient_data.to_numpy(dtype=bool)
    assignments, _, _ = cluster_customers(
        customers[sufficient],
        cluster_features,
        log_features,
        range(chosen_k, chosen_k + 1),
        seed=seed,
        min_size=min_size,
        min_share=min_share,
        fit_sample=fit_sample,
        silhouette_sample=silhouette_sample,
        pca_components=pca_components,
        k=chosen_k,
    )
    assignments.insert(1, "customer_key", customers.customer_key.to_numpy()[sufficient])
    # No purchase and no email history: not enough to place them anywhere.
    insufficient = pd.DataFrame(
        {
            "customer_id": customers.customer_id[~sufficient],
            "customer_key": customers.customer_key[~sufficient],
            "cluster_id": 0,
            "cluster_label": INSUFFICIENT_DATA,
            "distance_to_centroid": float("nan"),
        }
    )
    return pd.concat([assignments, insufficient], ignore_index=True)
