"""The raw layer's contract: every table, its columns and their types (DuckDB names).

The generator writes exactly these; other loaders (CDNOW) and real
connectors must land the same columns. Timestamps are text on purpose: the
sources deliver them in their own formats and staging parses them.
"""

from __future__ import annotations

from pathlib import Path

RAW_SCHEMAS: dict[str, dict[str, str]] = {
    "crm_contacts": {
        "contact_id": "varchar",
        "email": "varchar",
        "first_name": "varchar",
        "last_name": "varchar",
        "birth_date": "varchar",
        "city": "varchar",
        "region": "varchar",
        "country": "varchar",
        "created_at": "varchar",
        "updated_at": "varchar",
        "_loaded_at": "timestamp",
    },
    "shop_customers": {
        "shop_customer_id": "bigint",
        "email": "varchar",
        "first_name": "varchar",
        "last_name": "varchar",
        "accepts_marketing": "boolean",
        "created_at": "varchar",
        "updated_at": "varchar",
        "_loaded_at": "timestamp",
    },
    "shop_orders": {
        "order_id": "bigint",
        "shop_customer_id": "bigint",
        "email": "varchar",
        "ordered_at": "varchar",
        "updated_at": "varchar",
        "status": "varchar",
        "currency": "varchar",
        "total_amount": "double",
        "discount_amount": "double",
        "_loaded_at": "timestamp",
    },
    "shop_order_items": {
        "order_item_id": "bigint",
        "order_id": "bigint",
        "product_id": "bigint",
        "quantity": "bigint",
        "unit_price": "double",
        "_loaded_at": "timestamp",
    },
    "products": {
        "product_id": "bigint",
        "product_name": "varchar",
        "category": "varchar",
        "price": "double",
        "updated_at": "varchar",
        "_loaded_at": "timestamp",
    },
    "esp_campaigns": {
        "campaign_id": "varchar",
        "campaign_name": "varchar",
        "subject": "varchar",
        "variant": "varchar",
        "ab_test_id": "varchar",
        "campaign_type": "varchar",
        "sent_at": "varchar",
        "_loaded_at": "timestamp",
    },
    "esp_email_events": {
        "event_id": "varchar",
        "campaign_id": "varchar",
        "email": "varchar",
        "event_type": "varchar",
        "occurred_at": "varchar",
        "url": "varchar",
        "_loaded_at": "timestamp",
    },
    "web_events": {
        "event_id": "varchar",
        "session_id": "varchar",
        "anonymous_id": "varchar",
        "email": "varchar",
        "event_type": "varchar",
        "product_id": "bigint",
        "page_url": "varchar",
        "search_query": "varchar",
        "device_type": "varchar",
        "occurred_at": "varchar",
        "_loaded_at": "timestamp",
    },
    "consent_events": {
        "email": "varchar",
        "channel": "varchar",
        "status": "varchar",
        "source": "varchar",
        "occurred_at": "varchar",
        "_loaded_at": "timestamp",
    },
    "deletion_requests": {"email": "varchar", "requested_at": "varchar", "_loaded_at": "timestamp"},
}


def empty_table_sql(table: str) -> str:
    """A query returning no rows with the table's columns and types."""
    columns = ", ".join(f"cast(null as {kind}) as {name}" for name, kind in RAW_SCHEMAS[table].items())
    return f"select {columns} where false"


def conform_sql(table: str, query: str) -> str:
    """``query`` with exactly the table's contract columns, cast to their contract types."""
    columns = ", ".join(f"cast({name} as {kind}) as {name}" for name, kind in RAW_SCHEMAS[table].items())
    return f"select {columns} from ({query}) as landed"


def write_raw_tables(con, tables: dict[str, str], out_dir: Path) -> dict[str, int]:
    """Every raw table as ``out_dir/<table>.parquet``: the given queries conformed, the rest empty; row counts."""
    counts = {}
    for table in RAW_SCHEMAS:
        query = conform_sql(table, tables[table]) if table in tables else empty_table_sql(table)
        path = out_dir / f"{table}.parquet"
        con.execute(f"copy ({query}) to '{path}' (format parquet)").fetchall()
        counts[table] = con.execute(f"select count(*) from '{path}'").fetchall()[0][0]
    return counts
