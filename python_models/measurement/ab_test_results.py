"""A/B test results: every variant against its control on open, click and conversion rate."""

from audience.abtest import AbTestSettings, analyze_tests

METRICS = {
    "open_rate": ("unique_opens", "delivered"),
    "click_rate": ("unique_clicks", "delivered"),
    "conversion_rate": ("converted_recipients", "delivered"),
}


def model(dbt, session):
    dbt.config(materialized="table")
    performance = dbt.ref("campaign_performance")
    settings = AbTestSettings(
        alpha=float(dbt.config.get("ab_test_alpha")),
        power=float(dbt.config.get("ab_test_power")),
        meaningful_relative_lift=float(dbt.config.get("ab_test_meaningful_relative_lift")),
        min_trials=int(dbt.config.get("ab_test_min_delivered_per_variant")),
    )
    arms = (
        performance.filter("is_ab_test")
        .select(
            "ab_test_id, campaign_id, variant, is_control_variant, delivered, unique_opens, unique_clicks, "
            "converted_recipients"
        )
        .df()
    )
    results = analyze_tests(arms, METRICS, settings)
    results.insert(0, "ab_test_result_id", results.ab_test_id + "." + results.variant + "." + results.metric)
    results["alpha"] = settings.alpha
    return results
