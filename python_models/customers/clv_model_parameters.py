"""BG/NBD and Gamma-Gamma parameters fitted on customer_rfm's BTYD inputs (one row per parameter).

Kept between refits: while its stored rows carry the clv family's current fit (int_model_fits), it returns them
as they are, and customer_ltv scores everyone with them at their current age (doc block `model_fits`).
"""

from audience.clv import clv_parameters_table
from audience.frames import kept_or_refitted, to_pandas


def model(dbt, session):
    dbt.config(materialized="table")

    def fit():
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

    return kept_or_refitted(dbt.ref("int_model_fits"), "clv", session, dbt.this, fit)
