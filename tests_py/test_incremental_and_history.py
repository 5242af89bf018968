"""Incremental facts equal a full refresh; snapshots record exactly the segment changes.

Scenario: raw data cut off on day D is built; then the extract of D+1 lands
(late events, re-deliveries, refunds of older orders, an erasure request
for a customer already in the facts, and a shop account that changes its
email, which moves its older orders to another customer) and is built
incrementally; then D+31.
A separate warehouse is built from scratch on the D+1 extract.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from audience.compare import KEEP_FIT_VARS, copy_kept_fit
from audience.generate import config_with, generate
from conftest import (
    DAY_FOLDER_READERS,
    PROJECT_DIR,
    day_folder_rows,
    nearest_kept_centre,
    rows_in_one_only,
    run_dbt_and_export,
)

DAY_1 = date(2026, 9, 30)
FACTS = ["fct_orders", "fct_order_items", "fct_email_events", "fct_web_events", "fct_web_sessions"]
MARTS = ["customers", "customer_rfm", "customer_engagement", "customer_lifecycle", "customer_segments"]
# Every incremental intermediate model: all raw rows with their verdicts, and the aggregates merged run by run.
INCREMENTAL_INTERMEDIATES = [
    "int_contacts_validated",
    "int_shop_customers_validated",
    "int_orders_validated",
    "int_order_items_validated",
    "int_products_validated",
    "int_campaigns_validated",
    "int_email_events_validated",
    "int_web_events_validated",
    "int_consent_events_validated",
    "int_deletion_requests_validated",
    "int_email_recipients",
    "int_web_visitors",
    "int_email_messages_aggregated",
    "int_customer_product_events",
    "int_customer_product_interactions",
]
# The kept fits' tables and what scores with them: equal to a full refresh that keeps the same fits.
KEPT_FITS = [
    "intermediate.int_model_fits",
    "intermediate.int_propensity_snapshots",
    "intermediate.int_customer_feature_snapshots",
    "intermediate.int_propensity_validation",
    "intermediate.int_cluster_k_search",
    "intermediate.int_cluster_model",
    "intermediate.int_product_similarities",
    "intermediate.int_customer_recommendations_scored",
    "marts.clv_model_parameters",
    "marts.customer_propensity",
    "marts.propensity_model_evaluation",
    "marts.customer_clusters",
    "marts.customer_ltv",
    "marts.customer_product_recommendations",
    "activation.esp_contacts",
]
MODEL_FITS_SQL = "select * from intermediate.int_model_fits order by model_family"
SNAPSHOT_DATES_SQL = "select * from intermediate.int_propensity_snapshots order by snapshot_number"
DIMENSIONS = (
    "rfm_segment",
    "engagement_tier",
    "lifecycle_stage",
    "cluster_label",
    "ltv_tier",
    "purchase_propensity_tier",
    "churn_risk_tier",
)
MEMBERSHIPS_SQL = """
    select memberships.*, contacts.email
    from activation.segment_memberships as memberships
    inner join activation.esp_contacts as contacts using (external_id)
"""
CHANGE_LOG_COUNT_SQL = "select count(*) as n from activation.segment_membership_changes"
BUILD_WITHOUT_TESTS = ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
# days of the change log in its file export: all of days 1 to 32, then (last build) only the last two weeks
EXPORT_DAYS, SHORT_EXPORT_DAYS = 40, 14


@dataclass
class History:
    root: Path
    incremental: Path
    incremental_day_2: Path
    full_day_2: Path
    segments: dict[str, pd.DataFrame]
    erased_customer: str
    erased_customer_key: int
    snapshot_rows_before_rebuild: int
    snapshot_rows_after_rebuild: int
    memberships: dict[str, pd.DataFrame]
    change_log_rows_before_rebuild: int
    change_log_rows_after_rebuild: int
    change_log_files: dict[str, dict[str, tuple[int, int]]]
    late_campaign: str
    late_campaign_orphans_day_1: int
    moved_account: int
    moved_account_email: str
    moved_account_orders: int
    snapshot_dates: dict[str, pd.DataFrame]
    model_fits: dict[str, pd.DataFrame]
    relinked_browser: str
    relinked_events: int
    relinked_to: int
    product_events: dict[str, tuple[pd.DataFrame, pd.DataFrame]]
    interactions: dict[str, tuple[pd.DataFrame, pd.DataFrame]]
    catalog_product: int
    quiet_account_rows: int


def extract(root: Path, end: date) -> Path:
    """The raw extract as of ``end``; many late rows and rows without a key, so an increment is full of them."""
    raw = root / "raw"
    cfg = config_with(customers=2500, seed=24, end_date=end.isoformat())
    generate(config_with(cfg, defects=replace(cfg.defects, late_arrival=0.15, missing_key=0.03)), raw)
    return raw


def read(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).df()


def exports(warehouse: Path) -> Path:
    return warehouse.with_name(f"{warehouse.stem}_exports")


def build(
    raw: Path, warehouse: Path, root: Path, *extra: str, export_days: int = EXPORT_DAYS, variables: dict | None = None
) -> None:
    args = [
        *BUILD_WITHOUT_TESTS,
        *extra,
        "--vars",
        json.dumps({"change_log_export_days": export_days, **(variables or {})}),
    ]
    result = run_dbt_and_export(args, raw, warehouse, root / "target", exports(warehouse))
    assert result.returncode == 0, result.stdout[-4000:]


def change_log_files(warehouse: Path) -> dict[str, tuple[int, int]]:
    """The change log's exported files, each with its inode and modification time: equal only if not rewritten."""
    folder = exports(warehouse) / "segment_membership_changes"
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.rglob("*.*")}


def append_raw_row(raw: Path, table: str, values: str, based_on: str | None = None) -> None:
    """Land one more row in a raw table (``values``: its columns as a SQL select list).

    With ``based_on`` (a condition on the table's rows) ``values`` may name
    the columns of the latest loaded row that meets it: a new version of it.
    """
    path = raw / f"{table}.parquet"
    row = f"select {values}"
    if based_on:
        row = f"({row} from '{path}' where {based_on} order by _loaded_at desc limit 1)"
    con = duckdb.connect()
    con.execute(f"copy (select * from '{path}' union all {row}) to '{path}.new' (format parquet)").fetchall()
    Path(f"{path}.new").replace(path)


def request_erasure(raw: Path, email: str, loaded_at: str) -> None:
    append_raw_row(raw, "deletion_requests", f"'{email}', '{loaded_at}T09:00:00Z', timestamp '{loaded_at} 10:00:00'")


def change_account_email(raw: Path, shop_customer_id: int, email: str, loaded_at: str) -> None:
    """The shop account's email changes: a new version of its row, loaded on ``loaded_at``."""
    append_raw_row(
        raw,
        "shop_customers",
        f"shop_customer_id, '{email}', first_name, last_name, accepts_marketing, created_at, "
        f"'{loaded_at}T09:00:00Z', timestamp '{loaded_at} 10:00:00'",
        based_on=f"shop_customer_id = {shop_customer_id}",
    )


def log_in_on_browser(raw: Path, anonymous_id: str, email: str, occurred_at: str, loaded_at: str) -> None:
    """Someone else logs in on a browser: its latest login, so its anonymous browsing becomes theirs."""
    append_raw_row(
        raw,
        "web_events",
        f"'web_relink_{anonymous_id}', 'ses_relink_{anonymous_id}', '{anonymous_id}', '{email}', 'page_view', null, "
        f"'/account', null, 'desktop', '{occurred_at}', timestamp '{loaded_at} 10:00:00'",
    )


def deliver_campaign(raw: Path, campaign_id: str, loaded_at: str) -> None:
    """A campaign row the ESP delivers late: its events were loaded (and quarantined as orphans) before it."""
    append_raw_row(
        raw,
        "esp_campaigns",
        f"'{campaign_id}', 'Late campaign', 'Delivered late', null, null, 'promotional', "
        f"'{loaded_at}T08:00:00Z', timestamp '{loaded_at} 10:00:00'",
    )


# The model's definition, restated: every clean product event of a browser with a login, before the cut-off.
ATTRIBUTED_EVENTS_SQL = """
    select
        events.web_event_id, visitors.last_login_customer_key as customer_key, events.anonymous_id,
        events.session_id, events.product_id, events.event_type, events.occurred_at, events._loaded_at
    from marts.fct_web_events as events
    inner join intermediate.int_web_visitors as visitors using (anonymous_id)
    cross join intermediate.int_as_of_date as as_of
    where events.event_type in ('product_view', 'add_to_cart')
        and visitors.last_login_customer_key is not null
        and events.occurred_at < as_of.as_of_cutoff_at
"""


def attributed_events(warehouse: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """int_customer_product_events as stored, and as its definition gives it on the same warehouse."""
    expected = read(warehouse, ATTRIBUTED_EVENTS_SQL)
    return read(warehouse, "select * from intermediate.int_customer_product_events")[expected.columns], expected


# int_customer_product_interactions' definition, restated: per customer and recommendable product, the orders
# among the purchases that hold it and the attributed product events; weights as in dbt_project.yml's vars.
INTERACTIONS_SQL = """
    with
    recommendable as (select product_id from intermediate.int_recommendable_products),
    bought as (
        select purchases.customer_key, lines.product_id, count(distinct purchases.order_id) as purchase_count,
            max(purchases.purchased_at) as last_at, max(lines._loaded_at) as loaded_at
        from intermediate.int_customer_purchases as purchases
        inner join marts.fct_order_items as lines using (order_id)
        where lines.product_id in (select product_id from recommendable)
        group by all
    ),
    viewed as (
        select customer_key, product_id, count(*) as view_count, max(occurred_at) as last_at,
            max(_loaded_at) as loaded_at
        from intermediate.int_customer_product_events
        where product_id in (select product_id from recommendable)
        group by all
    )
    select
        customer_key, product_id,
        coalesce(bought.purchase_count, 0) as purchase_count,
        coalesce(viewed.view_count, 0) as view_count,
        {purchase_weight} * coalesce(bought.purchase_count, 0) + {view_weight} * coalesce(viewed.view_count, 0)
            as interaction_strength,
        bought.purchase_count is not null as has_purchased,
        greatest(bought.last_at, viewed.last_at) as last_interacted_at,
        greatest(bought.loaded_at, viewed.loaded_at) as _loaded_at
    from bought
    full outer join viewed using (customer_key, product_id)
"""
PROJECT_VARS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def stored_and_defined_interactions(warehouse: Path, **weights: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """int_customer_product_interactions as stored, and as its definition gives it on the same warehouse."""
    purchase_weight = weights.get("purchase_weight", PROJECT_VARS["recommendation_purchase_weight"])
    view_weight = weights.get("view_weight", PROJECT_VARS["recommendation_view_weight"])
    expected = read(warehouse, INTERACTIONS_SQL.format(purchase_weight=purchase_weight, view_weight=view_weight))
    return read(warehouse, "select * from intermediate.int_customer_product_interactions")[expected.columns], expected


def redeliver_product(raw: Path, product_id: int, category: str, at: str) -> None:
    """A new version of a product's row, in ``category``, updated and loaded at ``at`` (UTC)."""
    append_raw_row(
        raw,
        "products",
        f"product_id, product_name, '{category}', price, '{at.replace(' ', 'T')}Z', timestamp '{at}'",
        based_on=f"product_id = {product_id}",
    )


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    root = tmp_path_factory.mktemp("history")
    incremental, full = root / "incremental.duckdb", root / "full.duckdb"

    raw = extract(root, DAY_1)
    build(raw, incremental, root)
    snapshot_dates = {"day_1": read(incremental, SNAPSHOT_DATES_SQL)}
    model_fits = {"day_1": read(incremental, MODEL_FITS_SQL)}
    shutil.copyfile(incremental, root / "incremental_day_1.duckdb")
    files = {"day_1": change_log_files(incremental)}
    segments = {"day_1": read(incremental, "select * from marts.customer_segments")}
    memberships = {"day_1": read(incremental, MEMBERSHIPS_SQL)}

    # The campaign with the most orphaned events on day 1 arrives on day 2.
    orphans = read(
        incremental,
        """
        select campaign_id, count(*) as n
        from intermediate.int_email_events_validated
        where quarantine_reason = 'orphan_campaign'
        group by campaign_id
        order by n desc, campaign_id
        limit 1
        """,
    ).iloc[0]

    # A customer with orders on day 1 asks to be erased on day 2.
    victim = read(
        incremental,
        """
        select customers.email, customers.customer_id, customers.customer_key
        from marts.customers
        inner join marts.fct_orders using (customer_key)
        order by customers.customer_id
        limit 1
        """,
    ).iloc[0]

    # Another customer's shop account, with orders on day 1, changes its email on day 2.
    account = read(
        incremental,
        f"""
        select shop_customer_id, count(*) as orders
        from marts.fct_orders
        where shop_customer_id is not null and customer_key <> {victim.customer_key}
        group by shop_customer_id
        order by orders desc, shop_customer_id
        limit 1
        """,
    ).iloc[0]
    moved_email = f"moved.{account.shop_customer_id}@example.org"

    # A browser with the most attributed product events on day 1 is logged into by another customer on day 2.
    browser = read(
        incremental,
        f"""
        select anonymous_id, any_value(customer_key) as customer_key, count(*) as events
        from intermediate.int_customer_product_events
        where customer_key <> {victim.customer_key}
            and anonymous_id not in (
                select anonymous_id from intermediate.int_web_events_validated
                where customer_key = {victim.customer_key} and anonymous_id is not null
            )
        group by anonymous_id
        order by events desc, anonymous_id
        limit 1
        """,
    ).iloc[0]
    new_owner = read(
        incremental,
        f"""
        select email, customer_key from marts.customers
        where customer_key not in ({victim.customer_key}, {browser.customer_key}) and email is not null
        order by customer_id
        limit 1
        """,
    ).iloc[0]

    day_2 = DAY_1 + timedelta(days=1)
    raw = extract(root, day_2)
    request_erasure(raw, victim.email, day_2.isoformat())
    deliver_campaign(raw, orphans.campaign_id, day_2.isoformat())
    change_account_email(raw, int(account.shop_customer_id), moved_email, day_2.isoformat())
    log_in_on_browser(raw, browser.anonymous_id, new_owner.email, f"{day_2.isoformat()}T23:59:59Z", day_2.isoformat())
    build(raw, incremental, root)
    snapshot_dates["day_2"] = read(incremental, SNAPSHOT_DATES_SQL)
    model_fits["day_2"] = read(incremental, MODEL_FITS_SQL)
    # a full refresh that keeps the incremental build's propensity fit (as the benchmark's comparison does)
    copy_kept_fit(incremental, full)
    build(raw, full, root, "--full-refresh", variables=KEEP_FIT_VARS)
    segments["day_2"] = read(incremental, "select * from marts.customer_segments")
    memberships["day_2"] = read(incremental, MEMBERSHIPS_SQL)
    memberships["day_2_full"] = read(full, MEMBERSHIPS_SQL)
    incremental_day_2 = root / "incremental_day_2.duckdb"
    shutil.copyfile(incremental, incremental_day_2)
    files["day_2"] = change_log_files(incremental)

    raw = extract(root, day_2 + timedelta(days=30))
    request_erasure(raw, victim.email, day_2.isoformat())
    deliver_campaign(raw, orphans.campaign_id, day_2.isoformat())
    change_account_email(raw, int(account.shop_customer_id), moved_email, day_2.isoformat())
    log_in_on_browser(raw, browser.anonymous_id, new_owner.email, f"{day_2.isoformat()}T23:59:59Z", day_2.isoformat())
    build(raw, incremental, root)
    snapshot_dates["day_32"] = read(incremental, SNAPSHOT_DATES_SQL)
    model_fits["day_32"] = read(incremental, MODEL_FITS_SQL)
    files["day_32"] = change_log_files(incremental)
    segments["day_32"] = read(incremental, "select * from marts.customer_segments")
    before = int(read(incremental, "select count(*) as n from snapshots.customer_segments_snapshot").n[0])
    changes_before = int(read(incremental, CHANGE_LOG_COUNT_SQL).n[0])
    build(raw, incremental, root)
    snapshot_dates["day_32_again"] = read(incremental, SNAPSHOT_DATES_SQL)
    model_fits["day_32_again"] = read(incremental, MODEL_FITS_SQL)
    after = int(read(incremental, "select count(*) as n from snapshots.customer_segments_snapshot").n[0])
    changes_after = int(read(incremental, CHANGE_LOG_COUNT_SQL).n[0])
    files["day_32_again"] = change_log_files(incremental)
    build(raw, incremental, root, export_days=SHORT_EXPORT_DAYS)
    files["day_32_short_window"] = change_log_files(incremental)
    product_events = {"day_2": attributed_events(incremental_day_2), "day_32": attributed_events(incremental)}
    interactions = {
        "day_2": stored_and_defined_interactions(incremental_day_2),
        "day_32": stored_and_defined_interactions(incremental),
    }
    # the as-of date pinned 12 days back, then released: the cut-off moves back, then forward over events
    # loaded long before the window start
    rewound = root / "rewound.duckdb"
    shutil.copyfile(incremental, rewound)
    build(raw, rewound, root, variables={"as_of_date": (day_2 + timedelta(days=18)).isoformat()})
    product_events["as_of_moved_back"] = attributed_events(rewound)
    interactions["as_of_moved_back"] = stored_and_defined_interactions(rewound)
    build(raw, rewound, root)
    product_events["as_of_moved_forward"] = attributed_events(rewound)
    interactions["as_of_moved_forward"] = stored_and_defined_interactions(rewound)
    # a var the fit depends on changes: a copy of the warehouse is refitted on the same day
    refit = root / "refit.duckdb"
    shutil.copyfile(incremental, refit)
    build(raw, refit, root, variables={"propensity_purchase_window_days": 21})
    snapshot_dates["day_32_new_window"] = read(refit, SNAPSHOT_DATES_SQL)
    model_fits["day_32_new_window"] = read(refit, MODEL_FITS_SQL)
    # the interaction strength's weights change (vars): every stored strength is another now
    reweighted = root / "reweighted.duckdb"
    shutil.copyfile(incremental, reweighted)
    build(raw, reweighted, root, variables={"recommendation_purchase_weight": 5})
    interactions["new_weights"] = stored_and_defined_interactions(reweighted, purchase_weight=5)
    # the recommendable product with the most buyers moves to a category that is not merchandise, then back: it
    # leaves the catalog, then joins it again with its buyers and viewers (in a copy of the raw extract)
    catalog_raw = root / "raw_catalog"
    shutil.copytree(raw, catalog_raw)
    product = read(
        incremental,
        """
        select lines.product_id, any_value(products.product_category) as product_category
        from intermediate.int_customer_purchases as purchases
        inner join marts.fct_order_items as lines using (order_id)
        inner join intermediate.int_recommendable_products as products using (product_id)
        group by lines.product_id
        order by count(distinct purchases.customer_key) desc, lines.product_id
        limit 1
        """,
    ).iloc[0]
    day_32 = day_2 + timedelta(days=30)
    recatalogued = root / "recatalogued.duckdb"
    shutil.copyfile(incremental, recatalogued)
    redeliver_product(catalog_raw, int(product.product_id), "gift_cards", f"{day_32} 10:00:00")
    build(catalog_raw, recatalogued, root)
    interactions["product_left_catalog"] = stored_and_defined_interactions(recatalogued)
    redeliver_product(catalog_raw, int(product.product_id), product.product_category, f"{day_32} 11:00:00")
    build(catalog_raw, recatalogued, root)
    interactions["product_rejoined_catalog"] = stored_and_defined_interactions(recatalogued)
    catalog_product = int(product.product_id)
    # then the account of a buyer with nothing loaded for days changes its email: only the orders' earlier
    # deliveries name the customer their interactions move from
    quiet_account = read(
        recatalogued,
        """
        select orders.shop_customer_id
        from marts.fct_orders as orders
        inner join intermediate.int_customer_product_interactions as interactions
            on orders.customer_key = interactions.customer_key and interactions.has_purchased
        where orders.shop_customer_id is not null
            and orders.customer_key not in (
                select customer_key from marts.fct_orders
                where _loaded_at >= (select max(_loaded_at) from marts.fct_orders) - interval 5 day
                union all
                select customer_key from intermediate.int_customer_product_events
                where _loaded_at >= (select max(_loaded_at) from marts.fct_orders) - interval 5 day
            )
        group by orders.shop_customer_id
        order by count(*) desc, orders.shop_customer_id
        limit 1
        """,
    ).shop_customer_id[0]
    change_account_email(catalog_raw, int(quiet_account), f"quiet.{quiet_account}@example.org", day_32.isoformat())
    build(catalog_raw, recatalogued, root)
    interactions["quiet_account_moved"] = stored_and_defined_interactions(recatalogued)
    quiet_account_rows = int(
        read(
            recatalogued,
            f"""
            select count(*) as n from intermediate.int_customer_product_interactions
            where has_purchased and customer_key in (
                select customer_key from marts.customers where email = 'quiet.{quiet_account}@example.org'
            )
            """,
        ).n[0]
    )
    return History(
        root,
        incremental,
        incremental_day_2,
        full,
        segments,
        victim.customer_id,
        int(victim.customer_key),
        before,
        after,
        memberships,
        changes_before,
        changes_after,
        files,
        orphans.campaign_id,
        int(orphans.n),
        int(account.shop_customer_id),
        moved_email,
        int(account.orders),
        snapshot_dates,
        model_fits,
        browser.anonymous_id,
        int(browser.events),
        int(new_owner.customer_key),
        product_events,
        interactions,
        catalog_product,
        quiet_account_rows,
    )


def test_day_two_brings_late_redelivered_and_changed_rows(history: History) -> None:
    """Guards the equality test: the increment must contain the hard cases."""
    raw = history.root / "raw"
    con = duckdb.connect()
    late_events = con.execute(
        f"""
        select count(*) from '{raw / "esp_email_events.parquet"}'
        where _loaded_at >= '{DAY_1 + timedelta(days=1)}'
            and try_cast(occurred_at as timestamptz) < '{DAY_1}'
        """
    ).fetchall()[0][0]
    redelivered = con.execute(
        f"""
        select count(*) from (
            select event_id from '{raw / "esp_email_events.parquet"}'
            group by event_id
            having min(_loaded_at) < '{DAY_1 + timedelta(days=1)}'
                and max(_loaded_at) >= '{DAY_1 + timedelta(days=1)}'
        )
        """
    ).fetchall()[0][0]
    refunds_of_older_orders = con.execute(
        f"""
        select count(*) from '{raw / "shop_orders.parquet"}'
        where status <> 'paid' and _loaded_at >= '{DAY_1 + timedelta(days=1)}'
            and try_cast(ordered_at as timestamptz) < '{DAY_1 - timedelta(days=3)}'
        """
    ).fetchall()[0][0]
    beyond_lookback = con.execute(
        f"""
        select count(*) from '{raw / "web_events.parquet"}'
        where _loaded_at >= '{DAY_1 + timedelta(days=1)}'
            and try_cast(occurred_at as timestamptz) < '{DAY_1 - timedelta(days=3)}'
        """
    ).fetchall()[0][0]
    keyless_in_increment = con.execute(
        f"""
        select count(*) from '{raw / "esp_email_events.parquet"}'
        where _loaded_at >= '{DAY_1 + timedelta(days=1)}' and _loaded_at < '{DAY_1 + timedelta(days=2)}'
            and event_id is null
        """
    ).fetchall()[0][0]
    assert late_events > 0 and redelivered > 0 and refunds_of_older_orders > 0 and beyond_lookback > 0
    assert keyless_in_increment > 0


def test_an_account_email_change_moves_its_older_orders(history: History) -> None:
    """Guards the equality test: the account's orders, loaded on day 1, belong to its new address on day 2."""
    sql = f"""
        select count(*) as n
        from marts.fct_orders
        inner join marts.customers using (customer_key)
        where fct_orders.shop_customer_id = {history.moved_account}
            and customers.email = '{history.moved_account_email}'
            and fct_orders._loaded_at < '{DAY_1 + timedelta(days=1)}'
        """
    assert history.moved_account_orders > 0
    for warehouse in (history.incremental_day_2, history.full_day_2):
        assert read(warehouse, sql).n[0] == history.moved_account_orders


def test_a_new_login_moves_a_browsers_product_events(history: History) -> None:
    """Guards the equality test: a browser's events, stored for its owner on day 1, belong to its new login on day 2."""
    sql = f"""
        select count(*) as n, count(*) filter (where customer_key <> {history.relinked_to}) as others
        from intermediate.int_customer_product_events
        where anonymous_id = '{history.relinked_browser}'
        """
    assert history.relinked_events > 0
    for warehouse in (history.incremental_day_2, history.full_day_2):
        counts = read(warehouse, sql).iloc[0]
        assert counts.n >= history.relinked_events
        assert counts.others == 0


@pytest.mark.parametrize("state", ["day_2", "day_32", "as_of_moved_back", "as_of_moved_forward"])
def test_incremental_product_events_are_every_attributed_event(history: History, state: str) -> None:
    """After each incremental build, the cut-off 30 days on or moved back and forth, the rows are the definition's."""
    stored, expected = history.product_events[state]
    assert len(expected) > 0
    pd.testing.assert_frame_equal(sorted_rows(expected), sorted_rows(stored), check_dtype=False)


INTERACTION_STATES = [
    "day_2",
    "day_32",
    "as_of_moved_back",
    "as_of_moved_forward",
    "new_weights",
    "product_left_catalog",
    "product_rejoined_catalog",
    "quiet_account_moved",
]


@pytest.mark.parametrize("state", INTERACTION_STATES)
def test_incremental_interactions_are_their_definition(history: History, state: str) -> None:
    """After each incremental build (orders and browsers moved, the cut-off moved back and forth, new weights, a
    product out of the recommendable catalog and back, an idle buyer's account moved to a new email), the rows are the
    definition's, computed on the same data."""
    stored, expected = history.interactions[state]
    assert len(expected) > 0
    pd.testing.assert_frame_equal(sorted_rows(expected), sorted_rows(stored), check_dtype=False)


def test_the_catalog_change_takes_a_product_out_and_back(history: History) -> None:
    """Guards the catalog states above: the product has rows before, none while out, rows again once back."""
    product = history.catalog_product
    held = {state: set(history.interactions[state][0]["product_id"]) for state in INTERACTION_STATES}
    assert product in held["day_32"]
    assert product not in held["product_left_catalog"]
    assert product in held["product_rejoined_catalog"]


def test_the_quiet_accounts_purchases_move_to_its_new_email(history: History) -> None:
    """Guards the "quiet_account_moved" state above: the account's orders belong to its new email's customer."""
    assert history.quiet_account_rows > 0


def test_a_late_campaign_frees_its_orphaned_events(history: History) -> None:
    """Events loaded before their campaign are orphans until it arrives, then valid (incremental and full)."""
    assert history.late_campaign_orphans_day_1 > 0
    for warehouse in (history.incremental_day_2, history.full_day_2):
        verdicts = read(
            warehouse,
            f"""
            select
                count(case when quarantine_reason = 'orphan_campaign' then 1 end) as orphans,
                (select count(*) from marts.fct_email_events where campaign_id = '{history.late_campaign}') as events
            from intermediate.int_email_events_validated
            where campaign_id = '{history.late_campaign}'
            """,
        ).iloc[0]
        assert verdicts.orphans == 0
        assert verdicts.events > 0


def sorted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in one order whatever the storage order (by every column: validated tables repeat keys)."""
    return frame.sort_values(list(frame.columns), na_position="first").reset_index(drop=True)


@pytest.mark.parametrize(
    "relation",
    [f"marts.{m}" for m in FACTS + MARTS] + [f"intermediate.{m}" for m in INCREMENTAL_INTERMEDIATES] + KEPT_FITS,
)
def test_incremental_run_equals_full_refresh(history: History, relation: str) -> None:
    # an activation table's updated_at is when a build changed the row: another build, another time
    columns = "* exclude (updated_at)" if relation.startswith("activation.") else "*"
    full = read(history.full_day_2, f"select {columns} from {relation}")
    incremental = read(history.incremental_day_2, f"select {columns} from {relation}")
    assert len(full) > 0
    pd.testing.assert_frame_equal(sorted_rows(full), sorted_rows(incremental[full.columns]), check_dtype=False)


@pytest.mark.parametrize("model", FACTS + MARTS)
def test_erasure_reaches_incremental_facts_and_marts(history: History, model: str) -> None:
    key = history.erased_customer_key
    if model == "fct_order_items":
        sql = (
            "select count(*) as n from marts.fct_order_items "
            f"where order_id in (select order_id from marts.fct_orders where customer_key = {key})"
        )
    elif model in FACTS:
        column = "logged_in_customer_key" if model == "fct_web_sessions" else "customer_key"
        sql = f"select count(*) as n from marts.{model} where {column} = {key}"
    else:
        sql = f"select count(*) as n from marts.{model} where customer_id = '{history.erased_customer}'"
    for warehouse in (history.incremental_day_2, history.incremental):
        assert read(warehouse, sql).n[0] == 0


def expected_transitions(before: pd.DataFrame, after: pd.DataFrame) -> set[tuple[str, str, str | None, str]]:
    merged = after.merge(before, on="customer_id", how="left", suffixes=("", "_before"))
    changes = set()
    for dimension in DIMENSIONS:
        previous = merged[f"{dimension}_before"]
        changed = merged[previous.isna() | (previous != merged[dimension])]
        for row in changed.itertuples():
            before_value = getattr(row, f"{dimension}_before")
            changes.add(
                (row.customer_id, dimension, None if pd.isna(before_value) else before_value, getattr(row, dimension))
            )
    return changes


def test_transitions_record_exactly_the_changes_between_builds(history: History) -> None:
    transitions = read(
        history.incremental,
        "select customer_id, dimension, from_value, to_value, changed_on from marts.customer_stage_transitions",
    )
    as_of = {name: frame.as_of_date.iloc[0] for name, frame in history.segments.items()}
    assert len(set(as_of.values())) == 3
    for earlier, later in (("day_1", "day_2"), ("day_2", "day_32")):
        found = {
            (r.customer_id, r.dimension, None if pd.isna(r.from_value) else r.from_value, r.to_value)
            for r in transitions[transitions.changed_on == as_of[later]].itertuples()
        }
        expected = expected_transitions(history.segments[earlier], history.segments[later])
        assert found == expected
        assert len(expected) > 0
    entries = transitions[transitions.changed_on == as_of["day_1"]]
    assert entries.from_value.isna().all()
    # the customer erased on day 2 loses their day-1 history too
    day_1_customers = history.segments["day_1"].customer_id
    assert len(entries) == len(DIMENSIONS) * int((day_1_customers != history.erased_customer).sum())


def test_flows_include_typical_lifecycle_moves(history: History) -> None:
    moves = read(
        history.incremental,
        """
        select from_value, to_value, count(*) as n
        from marts.customer_stage_transitions
        where dimension = 'lifecycle_stage' and from_value is not null
        group by 1, 2
        """,
    )
    pairs = set(zip(moves.from_value, moves.to_value, strict=True))
    assert ("new", "active") in pairs or ("new", "at_risk") in pairs
    assert any(to == "churned" for _, to in pairs)


def test_rebuilding_on_the_same_data_adds_no_history(history: History) -> None:
    assert history.snapshot_rows_after_rebuild == history.snapshot_rows_before_rebuild


def test_rebuilding_on_the_same_data_adds_no_change_events(history: History) -> None:
    assert history.change_log_rows_after_rebuild == history.change_log_rows_before_rebuild > 0


def test_external_ids_are_stable_across_builds(history: History) -> None:
    """The same email keeps its external_id from build to build and in a build from scratch."""
    ids = {
        name: frame[["email", "external_id"]].drop_duplicates().set_index("email").external_id
        for name, frame in history.memberships.items()
    }
    for other in ("day_1", "day_2_full"):
        shared = ids["day_2"].index.intersection(ids[other].index)
        assert len(shared) > 1000
        assert (ids["day_2"][shared] == ids[other][shared]).all()
    assert ids["day_2"].is_unique


def test_change_log_holds_exactly_the_membership_differences(history: History) -> None:
    """Day 2's events: an exit per membership that ended, an entry per membership that began."""
    day_1_frame = history.memberships["day_1"]
    # the customer erased on day 2 leaves no exit behind: their events are deleted
    day_1 = set(day_1_frame.segment_membership_id[day_1_frame.external_id != history.erased_customer])
    day_2 = set(history.memberships["day_2"].segment_membership_id)
    day_2_date = history.segments["day_2"].as_of_date.iloc[0]
    events = read(
        history.incremental_day_2,
        f"""
        select segment_membership_id, change_type
        from activation.segment_membership_changes
        where cast(changed_at as date) = date '{day_2_date}'
        """,
    )
    exited = set(events.segment_membership_id[events.change_type == "exited"])
    entered = set(events.segment_membership_id[events.change_type == "entered"])
    assert exited == day_1 - day_2
    assert entered == day_2 - day_1
    assert len(exited) > 0 and len(entered) > 0
    sizes = read(
        history.incremental_day_2,
        "select sum(entered_count) as entered, sum(exited_count) as exited from activation.segment_sizes",
    )
    assert int(sizes.entered[0]) == len(entered)
    assert int(sizes.exited[0]) == len(exited)


def test_fits_are_kept_until_a_refit_is_due(history: History) -> None:
    """model_refit_days (7): day 2 keeps day 1's fits, day 32 refits them all, a rebuild keeps them, and a changed
    var refits only the family that reads it."""
    fits = history.model_fits
    families = {"clusters", "clv", "product_similarities", "propensity"}
    assert all(set(fit.model_family) == families for fit in fits.values())
    as_of = {
        day: pd.Timestamp(dates.snapshot_date[0]) - pd.Timedelta(days=1)
        for day, dates in history.snapshot_dates.items()
    }
    assert as_of["day_2"] - as_of["day_1"] == pd.Timedelta(days=1)
    assert (pd.to_datetime(fits["day_1"].fitted_as_of_date) == as_of["day_1"]).all()
    pd.testing.assert_frame_equal(fits["day_2"], fits["day_1"])
    assert (pd.to_datetime(fits["day_32"].fitted_as_of_date) == as_of["day_32"]).all()
    assert set(fits["day_32"].fit_id).isdisjoint(fits["day_1"].fit_id)
    pd.testing.assert_frame_equal(fits["day_32_again"], fits["day_32"])
    changed = fits["day_32_new_window"].set_index("model_family")
    before = fits["day_32"].set_index("model_family")
    pd.testing.assert_frame_equal(changed.drop(index="propensity"), before.drop(index="propensity"))
    assert changed.fit_id["propensity"] != before.fit_id["propensity"]
    assert changed.fitted_as_of_date["propensity"] == before.fitted_as_of_date["propensity"]
    assert "propensity_purchase_window_days=21" in changed.fit_settings["propensity"]


def test_clusters_between_refits_are_the_nearest_kept_centre(history: History) -> None:
    """Day 2 keeps day 1's cluster fit (int_cluster_model) and places every customer in its nearest centre: recomputed
    here from day 2's features and the kept rows (fill, log(1 + x), standardize, nearest centre)."""
    model_sql = "select * exclude (fit_id) from intermediate.int_cluster_model order by all"
    kept = read(history.root / "incremental_day_1.duckdb", model_sql)
    assert len(kept) and kept.term.eq("centre").any()
    pd.testing.assert_frame_equal(read(history.incremental_day_2, model_sql), kept)
    variables = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    features, log_features = variables["cluster_features"], variables["cluster_log_features"]
    customers = read(
        history.incremental_day_2,
        "select features.*, clusters.cluster_id, clusters.distance_to_centroid "
        "from intermediate.int_customer_features as features "
        "inner join marts.customer_clusters as clusters using (customer_id) "
        "where features.has_sufficient_data order by customer_id",
    )
    cluster_id, distance = nearest_kept_centre(customers, kept, features, log_features)
    assert (customers.cluster_id.to_numpy() == cluster_id).all()
    assert np.allclose(customers.distance_to_centroid, distance, rtol=0, atol=1e-9)


def test_the_propensity_snapshots_count_back_from_the_fit(history: History) -> None:
    """Kept on day 2: the same past snapshots, the scoring one a day later; refitted on day 32: counted back from
    its as-of date; a changed label window: labels known only for the new window."""
    dates = history.snapshot_dates
    pd.testing.assert_frame_equal(dates["day_2"].iloc[1:], dates["day_1"].iloc[1:])
    assert pd.Timestamp(dates["day_2"].snapshot_date[0]) - pd.Timestamp(dates["day_1"].snapshot_date[0]) == (
        pd.Timedelta(days=1)
    )
    day_32 = dates["day_32"]
    assert (
        pd.to_datetime(day_32.fitted_as_of_date) == pd.Timestamp(day_32.snapshot_date[0]) - pd.Timedelta(days=1)
    ).all()
    assert pd.Timestamp(day_32.snapshot_date[1]) == pd.Timestamp(day_32.snapshot_date[0]) - pd.Timedelta(days=30)
    new_window = dates["day_32_new_window"]
    ends = new_window.purchase_window_end_at - pd.to_datetime(new_window.snapshot_date)
    assert (ends == pd.Timedelta(days=21)).all()


def test_kept_past_snapshots_are_day_ones_without_the_erased_customer(history: History) -> None:
    """Between refits the past snapshots are not recomputed; an erasure still removes its person's rows at once."""
    sql = "select * from intermediate.int_customer_feature_snapshots where snapshot_number > 0"
    day_1 = read(history.root / "incremental_day_1.duckdb", sql)
    day_2 = read(history.incremental_day_2, sql)
    erased = day_1.customer_key == history.erased_customer_key
    assert erased.sum() > 0
    assert (day_2.customer_key != history.erased_customer_key).all()
    pd.testing.assert_frame_equal(sorted_rows(day_1[~erased]), sorted_rows(day_2[day_1.columns]), check_dtype=False)


def test_erasure_removes_snapshot_history_and_activation_rows(history: History) -> None:
    victim = history.erased_customer
    for table, column in (
        ("snapshots.customer_segments_snapshot", "customer_id"),
        ("snapshots.segment_memberships_snapshot", "customer_id"),
        ("activation.segment_membership_changes", "external_id"),
        ("intermediate.int_trigger_firings", "customer_id"),
        ("activation.suppression_list", "external_id"),
    ):
        rows = read(history.incremental, f"select count(*) as n from {table} where {column} = '{victim}'")
        assert int(rows.n[0]) == 0, table
    day_1_history = read(
        history.root / "incremental_day_2.duckdb",
        "select count(*) as n from snapshots.customer_segments_snapshot",
    )
    assert int(day_1_history.n[0]) > 0


def test_change_log_export_writes_only_the_days_that_changed(history: History) -> None:
    """Day folders of the change log's export: a build rewrites the days whose rows it changed, no other."""
    files = history.change_log_files
    day = {
        name: pd.Timestamp(history.segments[name].as_of_date.iloc[0]).date() for name in ("day_1", "day_2", "day_32")
    }

    def folder(as_of_date: date) -> str:
        return f"changed_date={as_of_date}/"

    def of_day(listing: dict[str, tuple[int, int]], as_of_date: date) -> dict[str, tuple[int, int]]:
        return {path: stat for path, stat in listing.items() if path.startswith(folder(as_of_date))}

    assert of_day(files["day_1"], day["day_1"]) and not of_day(files["day_1"], day["day_2"])
    # day 2 appends its changes and deletes the erased customer's entries of day 1: both days written
    assert of_day(files["day_2"], day["day_2"])
    assert of_day(files["day_2"], day["day_1"]).keys() == of_day(files["day_1"], day["day_1"]).keys()
    for path, stat in of_day(files["day_2"], day["day_1"]).items():
        assert stat != files["day_1"][path], path
    # day 32 only appends: the files of days 1 and 2 are the very same files
    assert of_day(files["day_32"], day["day_32"])
    for earlier in ("day_1", "day_2"):
        assert of_day(files["day_32"], day[earlier]) == of_day(files["day_2"], day[earlier])
    # the same day built again rewrites that day only
    assert files["day_32_again"].keys() == files["day_32"].keys()
    for path, stat in files["day_32_again"].items():
        assert (stat == files["day_32"][path]) == (not path.startswith(folder(day["day_32"]))), path
    # a shorter window: days 1 and 2 leave it (their folders are removed), day 32 is written as always
    assert day["day_32"] - day["day_2"] >= timedelta(days=SHORT_EXPORT_DAYS)
    short = files["day_32_short_window"]
    assert not of_day(short, day["day_1"]) and not of_day(short, day["day_2"])
    assert of_day(short, day["day_32"])
    for path, stat in of_day(short, day["day_32"]).items():
        assert stat != files["day_32_again"].get(path), path


def test_change_log_export_equals_the_table(history: History) -> None:
    """After appends, an erasure, a rebuild and a shorter window, the day folders hold exactly the window's rows."""
    folder = exports(history.incremental) / "segment_membership_changes"
    as_of_date = pd.Timestamp(history.segments["day_32"].as_of_date.iloc[0]).date()
    first_kept_day = as_of_date - timedelta(days=SHORT_EXPORT_DAYS - 1)
    table = f"""
        select *, cast(changed_at as date) as changed_date
        from activation.segment_membership_changes
        where changed_at >= date '{first_kept_day}'
    """
    left_the_export = read(
        history.incremental,
        f"select count(*) as n from activation.segment_membership_changes where changed_at < date '{first_kept_day}'",
    )
    assert int(left_the_export.n[0]) > 0  # the table keeps the days the export no longer holds
    for suffix in DAY_FOLDER_READERS:
        files = day_folder_rows(folder, suffix)
        differing = read(history.incremental, rows_in_one_only(table, files))
        assert int(differing.n[0]) == 0, suffix
        victim = read(
            history.incremental, f"select count(*) as n from ({files}) where external_id = '{history.erased_customer}'"
        )
        assert int(victim.n[0]) == 0, suffix
