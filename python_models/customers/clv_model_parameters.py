"""BG/NBD and Gamma-Gamma parameters fitted on customer_rfm's BTYD inputs (one row per parameter)."""

from audience.clv import clv_parameters_table
from audience.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    rfm = dbt.ref("customer_rfm")
    # in customer_key order: the likelihood sums then give the same parameters to the last bit
    buyers = to_pandas(
        rfm,
        ["customer_key", "btyd_frequency", "btyd_recency", "btyd_t", "btyd_monetary_value"],
        where="is_buyer",
        order_by=["customer_key"],
    )
    as_of_date = to_pandas(rfm, ["max(as_of_date) as as_of_date"]).as_of_date.iloc[0]
    return clv_parameters_table(buyers, dbt.config.get("btyd_time_unit"), as_of_date)
