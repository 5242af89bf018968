"""Activation tables on the generated warehouse: suppression from raw data, exports, triggers, recommendations."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from audience.exports import CSV_READ_OPTIONS
from conftest import DAY_FOLDER_READERS, Warehouse, day_folder_rows, rows_in_one_only, run_dbt

# exported whole, as <table>.parquet and <table>.csv
ACTIVATION_TABLES = [
    "esp_contacts",
    "suppression_list",
    "segment_memberships",
    "segment_sizes",
    "personalization_triggers",
]
# exported as a folder per day: <table>/changed_date=<day>/*.parquet and *.csv
CHANGE_LOG = "segment_membership_changes"


def raw(warehouse: Warehouse, sql: str) -> pd.DataFrame:
    """Query the raw Parquet files directly, independently of the dbt models."""
    con = duckdb.connect()
    for path in warehouse.raw_dir.glob("*.parquet"):
        con.execute(f"create view {path.stem} as select * from '{path}'").fetchall()
    return con.execute(sql).df()


def as_of_cutoff(warehouse: Warehouse) -> str:
    return str(warehouse.query("select as_of_cutoff_at from intermediate.int_as_of_date")[0][0])


def contact_emails(warehouse: Warehouse) -> set[str]:
    return {row[0] for row in warehouse.query("select email from activation.esp_contacts")}


def test_no_hard_bounced_or_complaining_address_is_a_contact(warehouse: Warehouse) -> None:
    cutoff = as_of_cutoff(warehouse)
    dead = raw(
        warehouse,
        f"""
        select distinct lower(trim(email)) as email
        from esp_email_events
        where event_type in ('bounce_hard', 'spam_complaint')
            and try_cast(occurred_at as timestamptz) at time zone 'UTC' < timestamp '{cutoff}'
        """,
    )
    assert len(dead) > 20
    assert not set(dead.email) & contact_emails(warehouse)


def test_latest_unsubscribe_and_missing_opt_in_keep_people_out(warehouse: Warehouse) -> None:
    cutoff = as_of_cutoff(warehouse)
    latest = raw(
        warehouse,
        f"""
        select lower(trim(email)) as email, arg_max(status, try_cast(occurred_at as timestamptz)) as status
        from consent_events
        where channel = 'email'
            and try_cast(occurred_at as timestamptz) at time zone 'UTC' < timestamp '{cutoff}'
        group by 1
        """,
    )
    unsubscribed = set(latest.email[latest.status == "unsubscribed"])
    assert len(unsubscribed) > 20
    contacts = contact_emails(warehouse)
    assert not unsubscribed & contacts
    # Outside the opt-out countries (US by default) everyone needs an opt-in.
    outside_us = warehouse.query(
        """
        select email_consent_status, count(*)
        from activation.esp_contacts
        where country_code is distinct from 'US'
        group by 1
        """
    )
    assert dict(outside_us).keys() == {"subscribed"}
    reasons = dict(warehouse.query("select suppression_reason, count(*) from activation.suppression_list group by 1"))
    assert set(reasons) == {"spam_complaint", "hard_bounced", "unsubscribed", "no_consent"}


def test_contacts_and_suppressions_partition_the_customers(warehouse: Warehouse) -> None:
    [(customers, contacts, suppressed, overlap)] = warehouse.query(
        """
        select
            (select count(*) from marts.customers),
            (select count(*) from activation.esp_contacts),
            (select count(*) from activation.suppression_list),
            (select count(*) from activation.esp_contacts
             inner join activation.suppression_list using (external_id))
        """
    )
    assert overlap == 0
    assert contacts + suppressed == customers
    assert contacts > 0.5 * customers


def test_erased_emails_reach_no_export_file(warehouse: Warehouse) -> None:
    erased = set(raw(warehouse, "select distinct lower(trim(email)) as email from deletion_requests").email.dropna())
    known = set(raw(warehouse, "select distinct lower(trim(email)) as email from esp_email_events").email.dropna())
    # They had data: without erasure they would be in the exports.
    assert erased and erased <= known
    exports = warehouse.path.parent / "exports"
    files = sorted(exports.rglob("*.csv")) + sorted(exports.rglob("*.parquet"))
    assert {p.name for p in files} >= {f"{t}.{ext}" for t in ACTIVATION_TABLES for ext in ("csv", "parquet")}
    assert {p.suffix for p in (exports / CHANGE_LOG).rglob("*")} >= {".csv", ".parquet"}
    text = "\n".join(p.read_text() for p in files if p.suffix == ".csv").lower()
    leaked = [email for email in erased if email in text]
    assert leaked == []


def test_exports_equal_the_tables(warehouse: Warehouse) -> None:
    exports = warehouse.path.parent / "exports"
    with warehouse.connect() as con:
        for table in ACTIVATION_TABLES:
            expected = con.execute(f"select count(*) from activation.{table}").fetchall()[0][0]
            from_parquet = con.execute(f"select count(*) from '{exports / table}.parquet'").fetchall()[0][0]
            csv_sql = f"select count(*) from read_csv('{exports / table}.csv', {CSV_READ_OPTIONS})"
            from_csv = con.execute(csv_sql).fetchall()[0][0]
            assert from_parquet == from_csv == expected, table
        # the change log's day folders: every row in exactly one day, and only there
        table = f"select *, cast(changed_at as date) as changed_date from activation.{CHANGE_LOG}"
        for suffix in DAY_FOLDER_READERS:
            differing = rows_in_one_only(table, day_folder_rows(exports / CHANGE_LOG, suffix))
            assert con.execute(differing).fetchall()[0][0] == 0, suffix
        assert con.execute(f"select count(*) from activation.{CHANGE_LOG}").fetchall()[0][0] > 0


def test_trigger_payloads_follow_their_definitions(warehouse: Warehouse) -> None:
    rows = warehouse.query("select trigger_key, payload from activation.personalization_triggers")
    fired = {key for key, _ in rows}
    assert {"birthday_offer", "win_back", "vip_offer", "re_engagement", "cross_sell"} <= fired
    for key, payload in rows:
        body = json.loads(payload)
        assert body["trigger_key"] == key
        assert len(body["products"]) <= 3
        if key == "birthday_offer":
            assert 0 <= body["facts"]["days_until_birthday"] <= 6
            assert body["offer_code"] == "BDAY15"
        if key == "cross_sell":
            categories = {p["product_category"] for p in body["products"]}
            assert categories <= {body["facts"]["complementary_category"]}


def test_weekly_cap_and_priority(warehouse: Warehouse) -> None:
    per_contact = warehouse.query(
        "select max(n) from (select count(*) as n from activation.personalization_triggers group by external_id)"
    )
    assert per_contact[0][0] <= 2
    # Someone eligible for more than two triggers gets the two lowest priorities.
    [(violations, capped)] = warehouse.query(
        """
        with eligible as (
            select evaluations.customer_id, definitions.priority
            from intermediate.int_trigger_evaluations as evaluations
            inner join seeds.trigger_definitions as definitions using (trigger_key)
        ),
        capped as (
            select customer_id from eligible group by 1 having count(*) > 2
        ),
        kept as (
            select external_id as customer_id, max(priority) as worst_kept
            from activation.personalization_triggers group by 1
        ),
        dropped as (
            select eligible.customer_id, min(eligible.priority) as best_dropped
            from eligible
            left join activation.personalization_triggers as fired
                on fired.external_id = eligible.customer_id and fired.priority = eligible.priority
            where fired.external_id is null
            group by 1
        )
        select
            count(*) filter (where dropped.best_dropped < kept.worst_kept),
            (select count(*) from capped)
        from kept inner join dropped using (customer_id)
        """
    )
    assert capped > 0
    assert violations == 0


def test_birthday_trigger_matches_birth_dates(warehouse: Warehouse) -> None:
    as_of = pd.Timestamp(warehouse.query("select as_of_date from intermediate.int_as_of_date")[0][0])
    people = warehouse.query(
        """
        select contacts.customer_id, contacts.birth_date
        from intermediate.int_contactable_customers as contacts
        where contacts.birth_date is not null
        """
    )
    expected = set()
    for customer_id, birth_date in people:
        born = pd.Timestamp(birth_date)
        age = as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))
        day = min(born.day, 28) if (born.month, born.day) == (2, 29) else born.day
        birthday = pd.Timestamp(as_of.year, born.month, day)
        if birthday < as_of:
            birthday = pd.Timestamp(as_of.year + 1, born.month, day)
        if (birthday - as_of).days <= 6 and age >= 18:
            expected.add(customer_id)
    found = {
        r[0]
        for r in warehouse.query(
            "select customer_id from intermediate.int_trigger_evaluations where trigger_key = 'birthday_offer'"
        )
    }
    assert len(expected) > 10
    assert found == expected


@pytest.fixture(scope="module")
def held_out(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The warehouse rebuilt for recommendations as of 90 days before the data ends."""
    root = tmp_path_factory.mktemp("held_out")
    copy = root / "audience.duckdb"
    shutil.copyfile(warehouse.path, copy)
    as_of = warehouse.query("select as_of_date - interval 90 day from intermediate.int_as_of_date")[0][0]
    result = run_dbt(
        [
            "run",
            "--select",
            # everything between the as-of date and the recommendations
            "int_as_of_date+,+customer_product_recommendations",
            "--vars",
            json.dumps({"as_of_date": as_of.date().isoformat()}),
        ],
        warehouse.raw_dir,
        copy,
        root / "target",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    return copy


def test_recommendations_beat_best_sellers_on_a_later_period(held_out: Path) -> None:
    """Hit rate at 3 over the next 90 days: customers known at the cut-off who then bought a product new to them."""
    with duckdb.connect(str(held_out), read_only=True) as con:
        [(evaluated, model_rate, baseline_rate)] = con.execute(
            """
            with cutoff as (select as_of_cutoff_at as t from intermediate.int_as_of_date),
            bought as (
                select orders.customer_key, items.product_id, orders.ordered_at
                from marts.fct_orders as orders
                inner join marts.fct_order_items as items using (order_id)
                where orders.order_status = 'paid'
            ),
            before as (select distinct customer_key, product_id from bought, cutoff where ordered_at < t),
            later as (
                select distinct customer_key, product_id from bought, cutoff
                where ordered_at >= t and ordered_at < t + interval 90 day
            ),
            new_later as (select * from later anti join before using (customer_key, product_id)),
            -- only customers known at the cut-off: a person first seen later cannot be recommended to
            evaluated as (
                select distinct new_later.customer_key
                from new_later
                inner join marts.customers using (customer_key)
                cross join cutoff
                where customers.first_seen_at < cutoff.t
            ),
            best_sellers as (
                select product_id, count(distinct customer_key) as buyers
                from bought, cutoff where ordered_at < t and ordered_at >= t - interval 90 day
                group by 1
            ),
            baseline as (
                select evaluated.customer_key, best_sellers.product_id,
                    row_number() over (
                        partition by evaluated.customer_key order by best_sellers.buyers desc, best_sellers.product_id
                    ) as rank
                from evaluated cross join best_sellers
                anti join before
                    on before.customer_key = evaluated.customer_key and before.product_id = best_sellers.product_id
            ),
            hits as (
                select
                    evaluated.customer_key,
                    exists (
                        select 1 from marts.customer_product_recommendations as recs
                        inner join new_later using (customer_key, product_id)
                        where recs.customer_key = evaluated.customer_key
                    ) as model_hit,
                    exists (
                        select 1 from baseline
                        inner join new_later using (customer_key, product_id)
                        where baseline.customer_key = evaluated.customer_key and baseline.rank <= 3
                    ) as baseline_hit
                from evaluated
            )
            select count(*), avg(model_hit::int), avg(baseline_hit::int) from hits
            """
        ).fetchall()
    assert evaluated > 300
    assert model_rate > 1.5 * baseline_rate, (model_rate, baseline_rate)
