"""Out-of-time validation of the propensity models and their baselines, as long rows (src/audience/propensity.py).

Kept between refits: when the rows it stored were computed for the current fit (int_propensity_snapshots.fit_id),
it returns them as they are (doc block `propensity_refits`).
"""

from audience.frames import stored_table, to_pandas
from audience.propensity import SNAPSHOT_COLUMNS, PropensitySettings, typed_validation, validation_table


def model(dbt, session):
    dbt.config(materialized="table")
    fit_id = to_pandas(dbt.ref("int_propensity_snapshots"), ["fit_id"], where="snapshot_number = 0")["fit_id"].iloc[0]
    stored = stored_table(session, dbt.this)
    if stored is not None and "fit_id" in stored.columns and set(stored["fit_id"]) == {fit_id}:
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
