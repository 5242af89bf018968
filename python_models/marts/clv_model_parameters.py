"""BG/NBD and Gamma-Gamma parameters fitted on customer_rfm's BTYD inputs (one row per parameter)."""

import pandas as pd

from audience.clv import fit_bgnbd, fit_gamma_gamma


def model(dbt, session):
    dbt.config(materialized="table")
    rfm = dbt.ref("customer_rfm")
    time_unit = dbt.config.get("btyd_time_unit")
    # The likelihoods are sums over customers: in a fixed order, the same buyers give the same
    # parameters to the last bit, whatever order the rows are stored in (incremental or full build).
    buyers = (
        rfm.filter("is_buyer")
        .select("customer_key, btyd_frequency, btyd_recency, btyd_t, btyd_monetary_value, as_of_date")
        .order("customer_key")
        .df()
    )
    if buyers.empty:
        raise ValueError("customer_rfm has no buyers as of the as-of date: nothing to fit the CLV models on")
    purchases = fit_bgnbd(buyers.btyd_frequency, buyers.btyd_recency, buyers.btyd_t)
    spend = fit_gamma_gamma(buyers.btyd_frequency, buyers.btyd_monetary_value)
    rows = []
    for name, fit in (("bg_nbd", purchases), ("gamma_gamma", spend)):
        for row in fit.as_rows(name):
            rows.append({**row, "n_customers": fit.n_customers, "log_likelihood": fit.log_likelihood})
    frame = pd.DataFrame(rows)
    frame.insert(0, "clv_model_parameter_id", frame.model + "." + frame.parameter)
    frame["time_unit"] = time_unit
    frame["fitted_at"] = pd.Timestamp(buyers.as_of_date.iloc[0])
    return frame
