"""Load the real CDNOW transaction log (shipped with lifetimes) into the raw layout.

CDNOW is the data set of Fader, Hardie & Lee (2005): the 1/10th sample holds
the 2,357 customers who first bought at the online CD retailer in the first
quarter of 1997, with every purchase until June 1998. Each transaction becomes
a paid guest order (one order line); the other raw tables are written empty,
so the whole project builds on it. Build with the as-of date at the end of the
39-week calibration period (1997-09-30) to reproduce the published fits.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd

from audience.raw_contract import write_raw_tables

SAMPLES = {"sample": "CDNOW_sample.txt", "master": "CDNOW_master.txt"}
CALIBRATION_END = "1997-09-30"


def cdnow_path(sample: str = "sample") -> Path:
    """Where lifetimes keeps the file (lifetimes is a test/dev dependency)."""
    import lifetimes

    return Path(os.path.dirname(lifetimes.__file__)) / "datasets" / SAMPLES[sample]


def load_cdnow(out_dir: Path, sample: str = "sample", source: Path | None = None) -> dict[str, int]:
    """Write the raw tables for CDNOW to ``out_dir``; returns row counts per table."""
    source = source or cdnow_path(sample)
    if not source.exists():
        raise FileNotFoundError(f"CDNOW file not found at {source}; install the dev extras (lifetimes)")
    out_dir.mkdir(parents=True, exist_ok=True)
    # Whitespace-aligned columns: (master id, customer, date, cds, dollars) in the
    # sample; the master file has a header and no separate customer index.
    if sample == "sample":
        names = ["master_id", "customer", "date", "cds", "dollars"]
        raw = pd.read_csv(source, sep=r"\s+", header=None, names=names, dtype={"date": str})
    else:
        raw = pd.read_csv(
            source, sep=r"\s+", header=0, names=["customer", "date", "cds", "dollars"], dtype={"date": str}
        )
    con = duckdb.connect()
    con.register("raw_transactions", raw)
    con.execute(
        """
        create table transactions as
        select
            row_number() over (order by customer, date, dollars) as transaction_id,
            cast(customer as bigint) as customer,
            strptime(date, '%Y%m%d') as purchased_on,
            cast(cds as bigint) as cds,
            cast(dollars as double) as dollars
        from raw_transactions
        """
    ).fetchall()
    tables = {
        "shop_orders": """
            select
                transaction_id as order_id,
                cast(null as bigint) as shop_customer_id,
                'cdnow.' || lpad(cast(customer as varchar), 5, '0') || '@cdnow.org' as email,
                strftime(purchased_on + interval 12 hour, '%Y-%m-%dT%H:%M:%SZ') as ordered_at,
                strftime(purchased_on + interval 12 hour, '%Y-%m-%dT%H:%M:%SZ') as updated_at,
                'paid' as status,
                'USD' as currency,
                dollars as total_amount,
                0.0 as discount_amount,
                purchased_on + interval 1 day as _loaded_at
            from transactions
        """,
        "shop_order_items": """
            select
                transaction_id as order_item_id,
                transaction_id as order_id,
                cast(1 as bigint) as product_id,
                greatest(cds, 1) as quantity,
                dollars / greatest(cds, 1) as unit_price,
                purchased_on + interval 1 day as _loaded_at
            from transactions
        """,
        "products": """
            select
                cast(1 as bigint) as product_id,
                'CD' as product_name,
                'music' as category,
                round(sum(dollars) / sum(greatest(cds, 1)), 2) as price,
                '1997-01-01T00:00:00Z' as updated_at,
                timestamp '1997-01-01 00:00:00' as _loaded_at
            from transactions
        """,
    }
    return write_raw_tables(con, tables, out_dir)


HOLDOUT_END = "1997-12-30"  # 13 weeks after the calibration end


def propensity_holdout_check(warehouse: Path, raw_dir: Path, weeks: float = 13.0) -> pd.DataFrame:
    """ROC AUC of "buys again in the 13 weeks after 1997-09-30", on the real CDNOW holdout.

    The warehouse is built as of the calibration end with a purchase window
    of 13 weeks (``make cdnow``). Compares customer_propensity's purchase
    probability with BG/NBD's P(alive) and expected purchases over the same
    13 weeks (clv_model_parameters, fitted on the calibration period), all
    scored from what was known at the calibration end.
    """
    from sklearn.metrics import roc_auc_score

    from audience.clv import BgNbdParams, bgnbd_expected_purchases

    con = duckdb.connect(str(warehouse), read_only=True)
    scores = con.execute(
        f"""
        with repeat_buyers as (
            select distinct lower(email) as email
            from read_parquet('{raw_dir / "shop_orders.parquet"}')
            where cast(ordered_at as timestamp) > timestamp '{CALIBRATION_END} 23:59:59'
                and cast(ordered_at as date) <= date '{HOLDOUT_END}'
        )
        select
            propensity.purchase_probability,
            ltv.probability_alive,
            rfm.btyd_frequency,
            rfm.btyd_recency,
            rfm.btyd_t,
            repeat_buyers.email is not null as bought_again
        from marts.customer_propensity as propensity
        inner join marts.customers as customers on propensity.customer_key = customers.customer_key
        inner join marts.customer_ltv as ltv on propensity.customer_key = ltv.customer_key
        inner join marts.customer_rfm as rfm on propensity.customer_key = rfm.customer_key
        left join repeat_buyers on customers.email = repeat_buyers.email
        """
    ).df()
    parameters = con.execute("select parameter, value from marts.clv_model_parameters where model = 'bg_nbd'").df()
    model = con.execute("select distinct purchase_model_version from marts.customer_propensity").fetchone()[0]
    con.close()
    params = BgNbdParams(**dict(zip(parameters.parameter, parameters.value, strict=True)))
    expected = bgnbd_expected_purchases(params, weeks, scores.btyd_frequency, scores.btyd_recency, scores.btyd_t)
    label = scores.bought_again.to_numpy()
    rows = [
        (f"customer_propensity ({model})", scores.purchase_probability),
        ("BG/NBD P(alive)", scores.probability_alive),
        ("BG/NBD expected purchases (13 weeks)", expected),
    ]
    return pd.DataFrame(
        [
            {
                "score": name,
                "roc_auc": float(roc_auc_score(label, values)),
                "customers": len(label),
                "bought_again": int(label.sum()),
            }
            for name, values in rows
        ]
    )
