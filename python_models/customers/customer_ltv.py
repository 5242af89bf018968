"""Predicted CLV, P(alive), expected purchases and LTV tier per customer, from clv_model_parameters."""

import numpy as np

from audience.clv import ltv_tiers, score_customers

DAYS_PER_MONTH = 365.25 / 12


def model(dbt, session):
    dbt.config(materialized="table")
    rfm = dbt.ref("customer_rfm")
    parameters = dbt.ref("clv_model_parameters").df()
    months = dbt.config.get("clv_horizon_months")
    unit_days = {"day": 1.0, "week": 7.0}[dbt.config.get("btyd_time_unit")]

    customers = rfm.project(
        "customer_id, customer_key, is_buyer, btyd_frequency, btyd_recency, btyd_t, btyd_monetary_value, "
        "average_order_value, as_of_date"
    ).df()
    scores = score_customers(
        customers, parameters, months, dbt.config.get("clv_monthly_discount_rate"), DAYS_PER_MONTH / unit_days
    )
    frame = customers[["customer_id", "customer_key"]].join(scores.drop(columns="clv_method"))
    buyer = customers.is_buyer.to_numpy(dtype=bool)
    tiers = np.full(len(customers), "prospect", dtype=object)
    tiers[buyer] = ltv_tiers(
        scores.predicted_clv.to_numpy()[buyer], dbt.config.get("ltv_high_share"), dbt.config.get("ltv_medium_share")
    )
    frame["ltv_tier"] = tiers
    one_time = buyer & (customers.btyd_frequency.fillna(-1).to_numpy() == 0)
    frame["clv_basis"] = np.select([~buyer, one_time], ["prospect", "one_time_buyer"], "repeat_buyer")
    frame["clv_method"] = scores.clv_method
    frame["horizon_months"] = months
    frame["as_of_date"] = customers.as_of_date.iloc[0] if len(customers) else None
    return frame
