"""Predicted CLV, P(alive), expected purchases and LTV tier per customer, from clv_model_parameters."""

import numpy as np
import pandas as pd

from audience.clv import (
    BgNbdParams,
    GammaGammaParams,
    bgnbd_expected_purchases,
    bgnbd_probability_alive,
    discounted_clv,
    gamma_gamma_expected_spend,
    ltv_tiers,
)

DAYS_PER_MONTH = 365.25 / 12


def model(dbt, session):
    dbt.config(materialized="table")
    rfm = dbt.ref("customer_rfm")
    parameters = dbt.ref("clv_model_parameters")
    months = dbt.config.get("clv_horizon_months")
    discount = dbt.config.get("clv_monthly_discount_rate")
    time_unit = dbt.config.get("btyd_time_unit")
    high_share = dbt.config.get("ltv_high_share")
    medium_share = dbt.config.get("ltv_medium_share")

    unit_days = {"day": 1.0, "week": 7.0}[time_unit]
    customers = rfm.project(
        "customer_id, customer_key, is_buyer, btyd_frequency, btyd_recency, btyd_t, btyd_monetary_value, as_of_date"
    ).df()
    params = parameters.df().set_index("clv_model_parameter_id")["value"]
    purchases = BgNbdParams(*(params[f"bg_nbd.{n}"] for n in ("r", "alpha", "a", "b")))
    spend = GammaGammaParams(*(params[f"gamma_gamma.{n}"] for n in ("p", "q", "gamma")))

    # predictions for buyers, by position; prospects keep NaN
    buyer = customers.is_buyer.to_numpy(dtype=bool)
    x, t_x, age, m = (
        customers[column].to_numpy(dtype=float)[buyer]
        for column in ("btyd_frequency", "btyd_recency", "btyd_t", "btyd_monetary_value")
    )
    units_per_month = DAYS_PER_MONTH / unit_days
    predictions = {
        "probability_alive": bgnbd_probability_alive(purchases, x, t_x, age),
        "expected_purchases": bgnbd_expected_purchases(purchases, months * units_per_month, x, t_x, age),
        "expected_average_order_value": gamma_gamma_expected_spend(spend, x, m),
        "predicted_clv": discounted_clv(purchases, spend, x, t_x, age, m, months, discount, units_per_month),
    }
    frame = pd.DataFrame({"customer_id": customers.customer_id, "customer_key": customers.customer_key})
    for column, values in predictions.items():
        full = np.full(len(customers), np.nan)
        full[buyer] = values
        frame[column] = full
    tiers = np.full(len(customers), "prospect", dtype=object)
    tiers[buyer] = ltv_tiers(predictions["predicted_clv"], high_share, medium_share)
    frame["ltv_tier"] = tiers
    one_time = buyer & (customers.btyd_frequency.fillna(-1).to_numpy() == 0)
    frame["clv_basis"] = np.select([~buyer, one_time], ["prospect", "one_time_buyer"], "repeat_buyer")
    frame["horizon_months"] = months
    frame["as_of_date"] = customers.as_of_date.iloc[0] if len(customers) else pd.NaT
    return frame
