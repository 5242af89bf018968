"""Out-of-time validation of the propensity models and their baselines, as long rows (src/audience/propensity.py).

Kept between refits: while its stored rows carry the propensity family's current fit (int_model_fits), it returns
them as they are (doc block `model_fits`).
"""

from audience.frames import kept_or_refitted
from audience.propensity import PropensitySettings, read_snapshots, typed_validation, validation_table


def model(dbt, session):
    dbt.config(materialized="table")
    settings = PropensitySettings.from_config(dbt.config.get("propensity_settings"))

    def fit():
        # labelled snapshots only
        labelled = "has_purchase_label or has_engagement_label"
        return validation_table(read_snapshots(dbt.ref("int_customer_feature_snapshots"), labelled), settings)

    return kept_or_refitted(dbt.ref("int_model_fits"), "propensity", session, dbt.this, fit, typed=typed_validation)
