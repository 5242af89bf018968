"""BG/NBD and Gamma-Gamma parameters fitted on customer_rfm's BTYD inputs (one row per parameter)."""

import pandas as pd

from audience.clv import fit_clv_models


def model(dbt, session):
    dbt.config(materialized="table")
    rfm = dbt.ref("customer_rfm")
    time_unit = dbt.config.get("btyd_time_unit")
    # The likelihoods are sums over customers: in a fixed order, the same buyers give the same
    # parameters to the last bit, whatever order the rows are stored in (incremental or full build).
    buyers = (
        rfm.filter("is_buyer")
        .select("customer_key, btyd_frequency, btyd_recency, btyd_t, btyd_monetary_value")
        .order("customer_key")
        .df()
    )
    as_of_date = rfm.select("as_of_date").limit(1).df().as_of_date
    frame = fit_clv_models(buyers.btyd_frequency, buyers.btyd_recency, buyers.btyd_t, buyers.btyd_monetary_value)
    frame.insert(0, "clv_model_parameter_id", frame.model + "." + frame.parameter)
    frame["time_unit"] = time_unit
    frame["fitted_at"] = pd.Timestamp(as_of_date.iloc[0]) if len(as_of_date) else pd.NaT
    return frame
