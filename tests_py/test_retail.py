"""Recommendations on real baskets: the UCI Online Retail log (reference/uci_online_retail), as `make retail` runs it.

The project is built on the log as of 2011-09-09; the check counts, among
the customers known then who bought a product new to them in the next 90
days, those for whom one of their three recommendations was such a product.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from audience.retail import AS_OF, load_online_retail, recommendation_check
from conftest import run_dbt


@pytest.fixture(scope="module")
def retail(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("retail")
    load_online_retail(root / "raw")
    warehouse = root / "retail.duckdb"
    result = run_dbt(["build", "--vars", json.dumps({"as_of_date": AS_OF})], root / "raw", warehouse, root / "target")
    assert result.returncode == 0, result.stdout[-4000:]
    return warehouse


def test_item_to_item_beats_global_and_country_best_sellers(retail: Path) -> None:
    result = recommendation_check(retail).set_index("recommender").hit_at_3
    assert result["item-to-item recommendations"] > result["global best sellers"] + 0.03, result
    assert result["item-to-item recommendations"] > result["best sellers of the customer's country"] + 0.03, result


def test_no_fee_free_item_or_one_off_pair_is_recommended(retail: Path) -> None:
    with duckdb.connect(str(retail), read_only=True) as con:
        rare, zero_price, not_merchandise, recommendations = con.execute(
            f"""
            with buyers as (
                select items.product_id, count(distinct orders.customer_key) as buyers
                from marts.fct_order_items as items
                inner join marts.fct_orders as orders on items.order_id = orders.order_id
                where orders.ordered_at < date '{AS_OF}' + interval 1 day
                group by items.product_id
            )
            select
                avg(case when coalesce(buyers.buyers, 0) <= 5 then 1.0 else 0 end),
                count(*) filter (where products.list_price <= 0),
                count(*) filter (where products.product_category in (
                    select product_category from seeds.non_merchandise_categories)),
                count(*)
            from marts.customer_product_recommendations as recs
            inner join marts.products as products on recs.product_id = products.product_id
            left join buyers on recs.product_id = buyers.product_id
            """
        ).fetchone()
    assert recommendations > 10_000
    # a plain cosine sent 17% of its recommendations to products with at most 5 earlier buyers
    assert rare < 0.01
    assert zero_price == 0 and not_merchandise == 0
