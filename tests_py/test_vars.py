"""Vars that look configurable are: changing one rebuilds what reads it, with the new value everywhere."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import Warehouse, run_dbt

CHANGED = {"recommended_products_per_customer": 5, "cart_abandonment_hours": 48}


@pytest.fixture(scope="module")
def changed(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the test warehouse rebuilt, with its tests, from the models the changed vars feed."""
    root = tmp_path_factory.mktemp("vars")
    copy = root / "audience.duckdb"
    shutil.copyfile(warehouse.path, copy)
    selection = ["int_customer_recommendations_scored+", "int_customer_shopping_signals+"]
    result = run_dbt(["build", "--select", *selection, "--vars", json.dumps(CHANGED)], warehouse.raw_dir, copy, root)
    assert result.returncode == 0, result.stdout[-4000:]
    return copy


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


RECOMMENDATIONS = """
    select max(recommendation_rank), max(n), min(n)
    from (
        select customer_id, max(recommendation_rank) as recommendation_rank, count(*) as n
        from marts.customer_product_recommendations
        group by customer_id
    )
"""
TRIGGER_PRODUCTS = "select max(product_rank) from intermediate.int_customer_trigger_products"
CART_AGES = (
    "select min(abandoned_cart_age_hours), count(*) from intermediate.int_customer_shopping_signals "
    "where abandoned_cart_age_hours is not null"
)


def test_the_defaults_are_three_products_and_a_day(warehouse: Warehouse) -> None:
    assert warehouse.query(RECOMMENDATIONS) == [(3, 3, 3)]
    assert warehouse.query(TRIGGER_PRODUCTS) == [(3,)]
    youngest, carts = warehouse.query(CART_AGES)[0]
    assert carts > 0 and 24 <= youngest < 48  # carts a day or two old count by default


def test_recommended_products_per_customer_reaches_lists_and_payloads(changed: Path) -> None:
    assert query(changed, RECOMMENDATIONS) == [(5, 5, 5)]
    assert query(changed, TRIGGER_PRODUCTS) == [(5,)]
    # esp_contacts keeps its three profile properties (its contract): the first three of the five
    first_three = query(
        changed,
        """
        select count(*)
        from activation.esp_contacts as contacts
        inner join marts.customer_product_recommendations as recs
            on contacts.external_id = recs.customer_id and recs.recommendation_rank = 3
        where contacts.recommended_product_3_id <> recs.product_id
        """,
    )
    assert first_three == [(0,)]


def test_cart_abandonment_hours_moves_the_cut(changed: Path) -> None:
    youngest, carts = query(changed, CART_AGES)[0]
    assert carts > 0 and youngest >= 48
