"""What the warehouse makes of the generated raw data, checked against the generator's own bookkeeping.

The generator knows exactly which rows it spoiled, duplicated or attributed to
which person, so these counts are exact, not approximate.
"""

from __future__ import annotations

import pytest

from conftest import Warehouse

SOURCE_OF_RAW_TABLE = {
    "crm_contacts": ("crm", "contacts"),
    "shop_customers": ("shop", "customers"),
    "shop_orders": ("shop", "orders"),
    "shop_order_items": ("shop", "order_items"),
    "products": ("shop", "products"),
    "esp_campaigns": ("esp", "campaigns"),
    "esp_email_events": ("esp", "email_events"),
    "web_events": ("web", "events"),
    "consent_events": ("privacy", "consent_events"),
    "deletion_requests": ("privacy", "deletion_requests"),
}


@pytest.mark.parametrize("raw_table", sorted(SOURCE_OF_RAW_TABLE))
def test_quarantine_matches_injected_defects(warehouse: Warehouse, raw_table: str) -> None:
    source_name, source_table = SOURCE_OF_RAW_TABLE[raw_table]
    found = dict(
        warehouse.query(
            f"""
            select quarantine_reason, count(*)
            from marts.quarantined_records
            where source_name = '{source_name}' and source_table = '{source_table}'
            group by 1
            """
        )
    )
    assert found == warehouse.manifest["quarantine"][raw_table]


def test_injected_defects_are_present_in_the_test_data(warehouse: Warehouse) -> None:
    """Guards the test above against passing vacuously on a dataset without defects."""
    orders = warehouse.manifest["quarantine"]["shop_orders"]
    expected = {
        "duplicate",
        "invalid_email",
        "test_account",
        "missing_timestamp",
        "unparseable_timestamp",
        "future_timestamp",
        "non_positive_amount",
        "unknown_currency",
        "orphan_shop_customer",
        "missing_key",
    }
    assert expected <= set(orders)
    assert all(count > 0 for count in orders.values())


@pytest.mark.parametrize("raw_table", sorted(SOURCE_OF_RAW_TABLE))
def test_every_raw_row_is_clean_or_quarantined(warehouse: Warehouse, raw_table: str) -> None:
    source_name, source_table = SOURCE_OF_RAW_TABLE[raw_table]
    raw_rows = warehouse.query(f"select count(*) from '{warehouse.raw_dir / raw_table}.parquet'")[0][0]
    model = {
        "crm_contacts": "int_contacts_validated",
        "shop_customers": "int_shop_customers_validated",
        "shop_orders": "int_orders_validated",
        "shop_order_items": "int_order_items_validated",
        "products": "int_products_validated",
        "esp_campaigns": "int_campaigns_validated",
        "esp_email_events": "int_email_events_validated",
        "web_events": "int_web_events_validated",
        "consent_events": "int_consent_events_validated",
        "deletion_requests": "int_deletion_requests_validated",
    }[raw_table]
    clean = warehouse.query(f"select count(*) from intermediate.{model} where quarantine_reason is null")[0][0]
    quarantined = warehouse.query(
        f"select count(*) from marts.quarantined_records "
        f"where source_name = '{source_name}' and source_table = '{source_table}'"
    )[0][0]
    assert raw_rows == warehouse.manifest["rows"][raw_table]
    assert clean + quarantined == raw_rows
    assert clean > 0


def test_identity_resolution_finds_every_person_once(warehouse: Warehouse) -> None:
    customers, emails = warehouse.query("select count(*), count(distinct email) from marts.customers")[0]
    assert customers == emails == warehouse.manifest["customers"]


def test_differently_cased_and_padded_emails_resolve_to_one_customer(warehouse: Warehouse) -> None:
    """The raw shop data spells some emails with capitals and padding; they must not split people."""
    noisy = warehouse.query(
        f"""
        select count(*)
        from '{warehouse.raw_dir / "shop_customers"}.parquet'
        where email <> lower(trim(email))
        """
    )[0][0]
    assert noisy > 0
    split = warehouse.query(
        """
        select count(*) from (
            select lower(trim(email)) as email, count(distinct customer_id) as ids
            from intermediate.int_customer_identity_map
            group by 1
            having count(distinct customer_id) > 1
        )
        """
    )[0][0]
    assert split == 0


def test_erased_people_are_nowhere_in_the_customer_marts(warehouse: Warehouse) -> None:
    assert warehouse.manifest["erased_customers"] > 0
    leaked = warehouse.query(
        """
        select count(*)
        from intermediate.int_deletion_requests_validated as erased
        inner join marts.customers on erased.email = customers.email
        where erased.quarantine_reason is null
        """
    )[0][0]
    leaked_links = warehouse.query(
        """
        select count(*)
        from intermediate.int_deletion_requests_validated as erased
        inner join intermediate.int_customer_identity_map as links on erased.email = links.email
        where erased.quarantine_reason is null
        """
    )[0][0]
    assert leaked == leaked_links == 0


def test_orders_are_converted_to_the_reporting_currency(warehouse: Warehouse) -> None:
    rows = warehouse.query(
        """
        select currency_code, min(total_amount / total_amount_local), max(total_amount / total_amount_local)
        from intermediate.int_orders_validated
        where quarantine_reason is null
        group by 1
        """
    )
    rates = {code: (low, high) for code, low, high in rows}
    assert set(rates) == {"USD", "EUR", "GBP", "CAD"}
    seed = dict(warehouse.query("select currency_code, usd_per_unit from seeds.fx_rates"))
    for code, (low, high) in rates.items():
        assert low == pytest.approx(seed[code]) and high == pytest.approx(seed[code])


def test_guest_checkouts_resolve_to_the_buyer(warehouse: Warehouse) -> None:
    guest_orders, resolved = warehouse.query(
        """
        select count(*), count(links.customer_id)
        from intermediate.int_orders_validated as orders
        left join intermediate.int_customer_identity_map as links
            on links.source_system = 'shop_order' and links.source_key = cast(orders.order_id as varchar)
        where orders.quarantine_reason is null and orders.shop_customer_id is null
        """
    )[0]
    erased_orders = warehouse.query(
        """
        select count(*)
        from intermediate.int_orders_validated as orders
        inner join intermediate.int_deletion_requests_validated as erased on orders.email = erased.email
        where orders.quarantine_reason is null and erased.quarantine_reason is null
            and orders.shop_customer_id is null
        """
    )[0][0]
    assert guest_orders > 0
    assert resolved == guest_orders - erased_orders
