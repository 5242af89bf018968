"""The chosen propensity model of each target, refitted on every labelled past snapshot, kept as rows of numbers.

Kept between refits: while its stored rows carry the propensity family's current fit (int_model_fits), it returns
them as they are, and customer_propensity scores everyone with them (doc block `model_fits`).
"""

from audience.frames import kept_or_refitted, to_pandas
from audience.propensity import PropensitySettings, read_snapshots, scoring_models_table, typed_scoring_models


def model(dbt, session):
    dbt.config(materialized="table")
    settings = PropensitySettings.from_config(dbt.config.get("propensity_settings"))

    def fit():
        snapshots = read_snapshots(dbt.ref("int_customer_feature_snapshots"), "snapshot_number > 0")  # the past ones
        return scoring_models_table(snapshots, to_pandas(dbt.ref("int_propensity_validation")), settings)

    return kept_or_refitted(dbt.ref("int_model_fits"), "propensity", session, dbt.this, fit, typed=typed_scoring_models)
