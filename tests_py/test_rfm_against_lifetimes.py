"""The BTYD inputs in customer_rfm equal lifetimes' own summary of the same transactions.

lifetimes (archived, test-only dependency) is the reference implementation of
frequency / recency / T / monetary_value for BG/NBD and Gamma-Gamma.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from lifetimes.utils import summary_data_from_transaction_data

from conftest import Warehouse, run_dbt

# (our vars) -> lifetimes arguments
SETTINGS = {
    "day_periods_in_weeks": (
        {"btyd_purchase_period": "day", "btyd_time_unit": "week"},
        {"freq": "D", "freq_multiplier": 7},
    ),
    "day_periods_in_days": (
        {"btyd_purchase_period": "day", "btyd_time_unit": "day"},
        {"freq": "D", "freq_multiplier": 1},
    ),
    "week_periods_in_weeks": (
        {"btyd_purchase_period": "week", "btyd_time_unit": "week"},
        {"freq": "W", "freq_multiplier": 1},
    ),
}


def rfm_with_vars(warehouse: Warehouse, tmp_path: Path, dbt_vars: dict[str, str]) -> Path:
    """A copy of the warehouse with customer_rfm rebuilt under other vars."""
    copy = tmp_path / "rfm.duckdb"
    shutil.copyfile(warehouse.path, copy)
    vars_yaml = "{" + ", ".join(f"{k}: {v}" for k, v in dbt_vars.items()) + "}"
    result = run_dbt(["run", "-s", "customer_rfm", "--vars", vars_yaml], warehouse.raw_dir, copy, tmp_path / "target")
    assert result.returncode == 0, result.stdout[-3000:]
    return copy


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_btyd_inputs_match_lifetimes(warehouse: Warehouse, tmp_path: Path, setting: str) -> None:
    dbt_vars, lifetimes_args = SETTINGS[setting]
    path = rfm_with_vars(warehouse, tmp_path, dbt_vars)
    with duckdb.connect(str(path), read_only=True) as con:
        transactions = con.execute(
            "select customer_key, purchase_date, revenue from intermediate.int_customer_purchases"
        ).df()
        ours = con.execute(
            """
            select customer_key, btyd_frequency, btyd_recency, btyd_t, btyd_monetary_value, as_of_date
            from marts.customer_rfm
            where is_buyer
            """
        ).df()
    as_of = pd.Timestamp(ours.as_of_date.iloc[0])
    transactions["purchase_date"] = pd.to_datetime(transactions.purchase_date)
    transactions["revenue"] = transactions.revenue.astype(float)
    reference = summary_data_from_transaction_data(
        transactions,
        "customer_key",
        "purchase_date",
        monetary_value_col="revenue",
        observation_period_end=as_of,
        **lifetimes_args,
    )
    joined = ours.set_index("customer_key").join(reference, how="outer")
    assert len(joined) == len(reference) == len(ours) > 1000
    assert (joined.btyd_frequency > 0).sum() > 500
    np.testing.assert_array_equal(joined.btyd_frequency.to_numpy(), joined.frequency.to_numpy())
    np.testing.assert_allclose(joined.btyd_recency.astype(float), joined.recency, rtol=0, atol=1e-9)
    np.testing.assert_allclose(joined.btyd_t.astype(float), joined["T"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(joined.btyd_monetary_value.astype(float), joined.monetary_value, rtol=1e-9, atol=1e-6)


def test_same_day_purchases_are_one_occasion(warehouse: Warehouse) -> None:
    """Guards the comparison: the data has customers buying twice on one day."""
    same_day = warehouse.query(
        """
        select count(*) from (
            select customer_key, purchase_date
            from intermediate.int_customer_purchases
            group by 1, 2
            having count(*) > 1
        )
        """
    )[0][0]
    assert same_day > 0
