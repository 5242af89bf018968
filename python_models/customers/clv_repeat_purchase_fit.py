"""How well the BG/NBD fits: buyers by repeat purchases, observed and expected (FHL 2005, figure 2)."""

from audience.clv import repeat_purchase_fit_table
from audience.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    buyers = to_pandas(dbt.ref("customer_rfm"), ["btyd_frequency", "btyd_t"], where="is_buyer")
    parameters = to_pandas(dbt.ref("clv_model_parameters"))
    return repeat_purchase_fit_table(buyers, parameters)
