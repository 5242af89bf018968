"""The semantic layer: metrics asked of MetricFlow (`mf query`) equal the same figures computed from the marts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import DBT, PROJECT_DIR, dbt_env

pytestmark = pytest.mark.dbt

MF = str(Path(sys.executable).with_name("mf"))


@pytest.fixture(scope="module")
def mf(warehouse, tmp_path_factory):
    """``mf query`` on the test warehouse; MetricFlow reads the semantic manifest of `dbt parse` in target/."""
    env = dbt_env(warehouse.raw_dir, warehouse.path)
    parsed = subprocess.run([DBT, "parse"], cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    folder = tmp_path_factory.mktemp("mf")

    def query(metrics: list[str], group_by: list[str] = ()) -> pd.DataFrame:
        out = folder / f"{'_'.join(metrics)}__{'_'.join(group_by)}.csv"
        command = [MF, "query", "--metrics", ",".join(metrics), "--csv", str(out)]
        if group_by:
            command += ["--group-by", ",".join(group_by)]
        result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
        assert result.returncode == 0 and out.exists(), result.stdout[-3000:] + result.stderr[-3000:]
        return pd.read_csv(out)

    return query


def marts(warehouse, sql: str) -> pd.DataFrame:
    with warehouse.connect() as con:
        return con.execute(sql).df()


def test_revenue_orders_and_aov_by_month_match_the_paid_orders(mf, warehouse) -> None:
    answer = mf(["revenue", "orders", "average_order_value", "buyers"], ["metric_time__month"])
    expected = marts(
        warehouse,
        """
        select
            date_trunc('month', ordered_at) as month,
            sum(total_amount) as revenue,
            count(*) as orders,
            sum(total_amount) / count(*) as average_order_value,
            count(distinct customer_key) as buyers
        from marts.fct_orders
        where order_status = 'paid'
        group by 1
        """,
    )
    answer["month"] = pd.to_datetime(answer["metric_time__month"])
    both = expected.merge(answer, on="month", suffixes=("", "_mf"), how="outer", indicator=True)
    assert (both["_merge"] == "both").all(), both[both["_merge"] != "both"]
    assert len(both) > 6
    for metric in ("revenue", "orders", "average_order_value", "buyers"):
        assert both[f"{metric}_mf"].astype(float).to_numpy() == pytest.approx(
            both[metric].astype(float).to_numpy(), rel=1e-6
        ), metric


def test_email_rates_are_ratios_of_sums_over_the_campaigns(mf, warehouse) -> None:
    rates = ["open_rate", "click_rate", "conversion_rate", "unsubscribe_rate", "revenue_per_recipient"]
    answer = mf(rates, ["campaign__campaign_type"]).set_index("campaign__campaign_type")
    expected = marts(
        warehouse,
        """
        select
            campaign_type,
            sum(unique_opens) / sum(delivered) as open_rate,
            sum(unique_clicks) / sum(delivered) as click_rate,
            sum(converted_recipients) / sum(delivered) as conversion_rate,
            sum(unsubscribes) / sum(delivered) as unsubscribe_rate,
            sum(attributed_revenue) / sum(delivered) as revenue_per_recipient
        from marts.campaign_performance
        group by 1
        """,
    ).set_index("campaign_type")
    assert sorted(answer.index) == sorted(expected.index)
    for rate in rates:
        assert answer.loc[expected.index, rate].astype(float).to_numpy() == pytest.approx(
            expected[rate].astype(float).to_numpy(), rel=1e-6
        ), rate
    # not the mean of the per-campaign rates, which weighs a small campaign like a large one
    weighted, unweighted = marts(
        warehouse, "select sum(unique_opens) / sum(delivered), avg(open_rate) from marts.campaign_performance"
    ).iloc[0]
    assert mf(["open_rate"])["open_rate"].iloc[0] == pytest.approx(float(weighted), rel=1e-6)
    assert float(weighted) != pytest.approx(float(unweighted), rel=1e-3)


def test_contacts_by_segment_equal_the_published_segment_sizes(mf, warehouse) -> None:
    answer = mf(["contacts"], ["membership__segment_type", "membership__segment_key"])
    sizes = marts(warehouse, "select segment_type, segment_key, contact_count from activation.segment_sizes")
    both = sizes.merge(
        answer,
        left_on=["segment_type", "segment_key"],
        right_on=["membership__segment_type", "membership__segment_key"],
        how="left",
    )
    # a segment nobody is in has a size of 0 and no membership row
    assert both["contacts"].fillna(0).astype(int).tolist() == both["contact_count"].astype(int).tolist()
    assert len(answer) == (sizes["contact_count"] > 0).sum()


def test_average_clv_per_tier_matches_customer_ltv(mf, warehouse) -> None:
    answer = mf(["average_predicted_clv", "valued_customers"], ["customer__ltv_tier"]).set_index("customer__ltv_tier")
    expected = marts(
        warehouse,
        "select ltv_tier, avg(predicted_clv) as clv, count(predicted_clv) as n from marts.customer_ltv group by 1",
    ).set_index("ltv_tier")
    assert expected.loc["prospect", "n"] == 0  # prospects have no predicted value: no average either
    assert sorted(answer.index) == sorted(expected.index)
    assert answer.loc[expected.index, "average_predicted_clv"].to_numpy() == pytest.approx(
        expected["clv"].to_numpy(), rel=1e-6, nan_ok=True
    )
    assert answer.loc[expected.index, "valued_customers"].tolist() == expected["n"].tolist()


def test_the_time_spine_covers_every_order_day(warehouse) -> None:
    missing = marts(
        warehouse,
        """
        select count(*) from (select distinct cast(ordered_at as date) as day from marts.fct_orders)
        where day not in (select date_day from marts.metricflow_time_spine)
        """,
    ).iloc[0, 0]
    assert missing == 0
