"""Out-of-time validation of the propensity models and their baselines, as long rows (src/audience/propensity.py)."""

from audience.frames import to_pandas
from audience.propensity import SNAPSHOT_COLUMNS, PropensitySettings, validation_table


def model(dbt, session):
    dbt.config(materialized="table")
    # labelled snapshots only, in a fixed order: the seeded sample is then the same on the same data
    snapshots = to_pandas(
        dbt.ref("int_customer_feature_snapshots"),
        list(SNAPSHOT_COLUMNS),
        where="has_purchase_label or has_engagement_label",
        order_by=["snapshot_number", "customer_key"],
    )
    return validation_table(snapshots, PropensitySettings.from_config(dbt.config.get("propensity_settings")))
