"""Purchase probability and churn risk of every customer as of the as-of date, by the kept scoring models."""

from audience.frames import to_pandas
from audience.propensity import PropensitySettings, customer_propensity_table, read_snapshots


def model(dbt, session):
    dbt.config(materialized="table")
    today = read_snapshots(dbt.ref("int_customer_feature_snapshots"), "snapshot_number = 0")
    models = to_pandas(dbt.ref("int_propensity_scoring_models"))
    evaluation = to_pandas(dbt.ref("int_propensity_validation"))
    settings = PropensitySettings.from_config(dbt.config.get("propensity_settings"))
    customers = to_pandas(dbt.ref("customers"), ["customer_id", "customer_key"])
    scores = customer_propensity_table(today, models, evaluation, settings)
    return customers.merge(scores, on="customer_key", how="inner", validate="one_to_one")
