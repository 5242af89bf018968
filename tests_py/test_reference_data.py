"""The public datasets kept in the repository are whole and as published."""

from __future__ import annotations

from datetime import datetime

import duckdb

from conftest import PROJECT_DIR

ONLINE_RETAIL = PROJECT_DIR / "reference" / "uci_online_retail" / "online_retail.parquet"


def test_uci_online_retail_is_the_published_dataset() -> None:
    """UCI's description: 541,909 instances, transactions between 01/12/2010 and 09/12/2011."""
    with duckdb.connect() as con:
        rows, first, last, columns = con.execute(
            f"""select count(*), min(InvoiceDate), max(InvoiceDate),
                   (select list(name order by name) from parquet_schema('{ONLINE_RETAIL}')
                    where name <> 'duckdb_schema')
                from read_parquet('{ONLINE_RETAIL}')"""
        ).fetchone()
    assert rows == 541_909
    assert first.date() == datetime(2010, 12, 1).date() and last.date() == datetime(2011, 12, 9).date()
    assert sorted(columns) == sorted(
        ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
    )
