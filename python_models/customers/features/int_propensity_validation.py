"""Out-of-time validation of the propensity models and their baselines, as long rows (src/audience/propensity.py).

Kept between refits: while its stored rows carry the propensity family's current fit (int_model_fits), it returns
them as they are (doc block `model_fits`).
"""

from audience.frames import kept_fit, to_pandas
from audience.propensity import SNAPSHOT_COLUMNS, PropensitySettings, typed_validation, validation_table


def model(dbt, session):
    dbt.config(materialized="table")
    fit_id, stored = kept_fit(dbt.ref("int_model_fits"), "propensity", session, dbt.this)
    if stored is not None:
        return typed_validation(stored)
    # labelled snapshots only, in a fixed order: the seeded sample is then the same on the same data
    snapshots = to_pandas(
        dbt.ref("int_customer_feature_snapshots"),
        list(SNAPSHOT_COLUMNS),
        where="has_purchase_label or has_engagement_label",
        order_by=["snapshot_number", "customer_key"],
    )
    validation = validation_table(snapshots, PropensitySettings.from_config(dbt.config.get("propensity_settings")))
    validation["fit_id"] = fit_id
    return validation
