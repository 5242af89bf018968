"""Every customer's cluster: the nearest centre of the kept fit (int_cluster_model), and its name."""

from audience.clustering import ClusterSettings, cluster_table
from audience.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    customers = to_pandas(dbt.ref("int_customer_features"))
    model_rows = to_pandas(dbt.ref("int_cluster_model"))
    return cluster_table(customers, model_rows, ClusterSettings.from_config(dbt.config.get("cluster_settings")))
