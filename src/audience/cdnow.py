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

from audience.raw_contract import RAW_SCHEMAS, conform_sql, empty_table_sql

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
    counts = {}
    for table in RAW_SCHEMAS:
        query = conform_sql(table, tables[table]) if table in tables else empty_table_sql(table)
        path = out_dir / f"{table}.parquet"
        con.execute(f"copy ({query}) to '{path}' (format parquet)").fetchall()
        counts[table] = con.execute(f"select count(*) from '{path}'").fetchall()[0][0]
    return counts
