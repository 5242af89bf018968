"""BG/NBD and Gamma-Gamma parameters fitted on customer_rfm's BTYD inputs (one row per parameter)."""

from audience.clv import clv_parameters_table


def model(dbt, session):
    dbt.config(materialized="table")
    rfm = dbt.ref("customer_rfm")
    buyers = (
        rfm.filter("is_buyer")
        .select("customer_key, btyd_frequency, btyd_recency, btyd_t, btyd_monetary_value")
        .order("customer_key")
        .df()
    )
    as_of_date = rfm.select("as_of_date").limit(1).df().as_of_date
    return clv_parameters_table(
        buyers, dbt.config.get("btyd_time_unit"), as_of_date.iloc[0] if len(as_of_date) else None
    )
