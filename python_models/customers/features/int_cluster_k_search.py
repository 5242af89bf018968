"""Inertia (elbow) and sampled silhouette for every k in the range; the best k is marked chosen."""

import pandas as pd

from audience.clustering import choose_k, prepare_features, search_k


def model(dbt, session):
    dbt.config(materialized="table")
    features = dbt.ref("int_customer_features")
    cluster_features = dbt.config.get("cluster_features")
    log_features = dbt.config.get("cluster_log_features")
    pca_components = dbt.config.get("cluster_pca_components")
    k_min = dbt.config.get("cluster_k_min")
    k_max = dbt.config.get("cluster_k_max")
    seed = dbt.config.get("cluster_random_seed")
    fit_sample = dbt.config.get("cluster_fit_sample_size")
    silhouette_sample = dbt.config.get("cluster_silhouette_sample_size")

    # a fixed row order, so the seeded samples are the same on the same data
    eligible = features.filter("has_sufficient_data").order("customer_id").project(", ".join(cluster_features)).df()
    prepared = prepare_features(eligible, cluster_features, log_features, pca_components)
    results = search_k(prepared.matrix, range(k_min, k_max + 1), seed, fit_sample, silhouette_sample)
    chosen = choose_k(results)
    # typed columns: with too few customers to try any k the table is empty, not untyped
    return pd.DataFrame(
        {
            "k": pd.Series([r.k for r in results], dtype="int64"),
            "inertia": pd.Series([r.inertia for r in results], dtype="float64"),
            "silhouette": pd.Series([r.silhouette for r in results], dtype="float64"),
            "is_chosen_k": pd.Series([r.k == chosen for r in results], dtype="bool"),
            "n_customers": pd.Series([len(eligible)] * len(results), dtype="int64"),
        }
    )
