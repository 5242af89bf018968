"""Predicted CLV, P(alive), expected purchases and LTV tier per customer, from clv_model_parameters."""

from audience.clv import LtvSettings, customer_ltv_table
from audience.frames import to_pandas

CUSTOMER_COLUMNS = [
    "customer_id",
    "customer_key",
    "is_buyer",
    "btyd_frequency",
    "btyd_recency",
    "btyd_t",
    "btyd_monetary_value",
    "average_order_value",
    "as_of_date",
]


def model(dbt, session):
    dbt.config(materialized="table")
    customers = to_pandas(dbt.ref("customer_rfm"), CUSTOMER_COLUMNS, order_by=["customer_key"])
    parameters = to_pandas(dbt.ref("clv_model_parameters"))
    return customer_ltv_table(customers, parameters, LtvSettings.from_config(dbt.config.get("ltv_settings")))
