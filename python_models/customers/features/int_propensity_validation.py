"""Out-of-time validation of the propensity models and their baselines, as long rows (src/audience/propensity.py).

Kept between refits: while its stored rows carry the propensity family's current fit (int_model_fits), it returns
them as they are (doc block `model_fits`).
"""

from audience.frames import kept_fit
from audience.propensity import PropensitySettings, read_snapshots, typed_validation, validation_table


def model(dbt, session):
    dbt.config(materialized="table")
    fit_id, stored = kept_fit(dbt.ref("int_model_fits"), "propensity", session, dbt.this)
    if stored is not None:
        return typed_validation(stored)
    # labelled snapshots only
    snapshots = read_snapshots(dbt.ref("int_customer_feature_snapshots"), "has_purchase_label or has_engagement_label")
    validation = validation_table(snapshots, PropensitySettings.from_config(dbt.config.get("propensity_settings")))
    validation["fit_id"] = fit_id
    return validation
