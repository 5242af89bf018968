"""A/B test results: every variant against its control on open, click and conversion rate."""

from audience.abtest import AbTestSettings, ab_test_table
from audience.frames import to_pandas

ARM_COLUMNS = [
    "ab_test_id",
    "campaign_id",
    "variant",
    "is_control_variant",
    "delivered",
    "unique_opens",
    "unique_clicks",
    "converted_recipients",
]


def model(dbt, session):
    dbt.config(materialized="table")
    settings = AbTestSettings(
        alpha=float(dbt.config.get("ab_test_alpha")),
        power=float(dbt.config.get("ab_test_power")),
        meaningful_relative_lift=float(dbt.config.get("ab_test_meaningful_relative_lift")),
        min_trials=int(dbt.config.get("ab_test_min_delivered_per_variant")),
    )
    arms = to_pandas(dbt.ref("campaign_performance"), ARM_COLUMNS, where="is_ab_test", order_by=["campaign_id"])
    return ab_test_table(arms, settings)
