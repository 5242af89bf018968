"""The activation tables' updated_at is a change cursor: a build moves it only on the rows whose content changed."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from audience.generate import config_with, generate
from conftest import run_dbt

# every activation table a sync reads, by its key
CURSOR_TABLES = {
    "esp_contacts": "external_id",
    "suppression_list": "external_id",
    "segment_memberships": "segment_membership_id",
    "segment_sizes": "segment_id",
    "personalization_triggers": "personalization_trigger_id",
}
NO_TESTS = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
FIRST, SECOND, THIRD = (datetime(2026, 11, 1, hour) for hour in (6, 7, 8))


def cursors(warehouse: Path) -> dict[str, dict[str, datetime]]:
    """updated_at of every row, by table and key."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            table: dict(con.execute(f"select {key}, updated_at from activation.{table}").fetchall())
            for table, key in CURSOR_TABLES.items()
        }


def rows(warehouse: Path, table: str) -> set[tuple]:
    """A table's rows without updated_at."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return set(con.execute(f"select * exclude (updated_at) from activation.{table}").fetchall())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cursor")
    generate(config_with(customers=1500, seed=13), root / "raw")
    return root


def build(site: Path, at: datetime) -> None:
    result = run_dbt(
        ["build", *NO_TESTS, "--vars", json.dumps({"build_time": at.isoformat(sep=" ")})],
        site / "raw",
        site / "audience.duckdb",
        site / "target",
    )
    assert result.returncode == 0, result.stdout[-3000:]


# a new version of a row, as a connector lands an edit: edited on the last day, loaded after every other row
EDITED = {"crm_contacts": "2026-10-31 12:00:00", "shop_customers": "2026-10-31T07:00:00-05:00"}
LOADED = "2026-10-31 23:59:59"


def rename(raw: Path, table: str, email: str, first_name: str) -> None:
    """Land a new version of one person's latest row in a raw table, with another first name."""
    path = raw / f"{table}.parquet"
    changed = raw / f"{table}.changed.parquet"
    duckdb.execute(
        f"""copy (
            select * from read_parquet('{path}')
            union all
            (
                select * replace (
                    ? as first_name, ? as updated_at, cast(? as timestamp) as _loaded_at
                )
                from read_parquet('{path}')
                where lower(trim(email)) = ?
                order by _loaded_at desc
                limit 1
            )
        ) to '{changed}' (format parquet)""",
        [first_name, EDITED[table], LOADED, email],
    )
    changed.replace(path)


def test_only_the_rows_of_the_person_whose_data_changed_move(site: Path) -> None:
    warehouse = site / "audience.duckdb"
    build(site, FIRST)
    first = cursors(warehouse)
    assert all(set(times.values()) == {FIRST} for times in first.values())  # a first build stamps every row
    assert all(first.values()), "every table must have rows at this size"
    before = {table: rows(warehouse, table) for table in CURSOR_TABLES}

    # the same data again: the same rows, and no cursor moves
    build(site, SECOND)
    assert cursors(warehouse) == first
    assert {table: rows(warehouse, table) for table in CURSOR_TABLES} == before

    # one person renamed at the sources (one no trigger fired for, whose payload would carry the
    # name): their contact row moves, and nothing else does
    with duckdb.connect(str(warehouse), read_only=True) as con:
        person, email = con.execute(
            """select external_id, email from activation.esp_contacts
            where first_name is not null
                and external_id not in (select external_id from activation.personalization_triggers)
            order by external_id limit 1"""
        ).fetchone()
    for table in ("crm_contacts", "shop_customers"):
        rename(site / "raw", table, email, "Zelda")
    build(site, THIRD)
    third = cursors(warehouse)
    moved = {(table, key) for table, times in third.items() for key, at in times.items() if at == THIRD}
    assert moved == {("esp_contacts", person)}
    assert {k: v for k, v in third["esp_contacts"].items() if k != person} == {
        k: v for k, v in first["esp_contacts"].items() if k != person
    }
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert (
            con.execute("select first_name from activation.esp_contacts where external_id = ?", [person]).fetchone()[0]
            == "Zelda"
        )
    assert {table: third[table] for table in CURSOR_TABLES if table != "esp_contacts"} == {
        table: first[table] for table in CURSOR_TABLES if table != "esp_contacts"
    }


def test_a_full_refresh_stamps_every_row(site: Path) -> None:
    """After a --full-refresh (e.g. a changed table) a sync sends everything again."""
    warehouse = site / "audience.duckdb"
    if not warehouse.exists():
        build(site, FIRST)
    later = datetime(2026, 11, 2, 6)
    result = run_dbt(
        ["build", *NO_TESTS, "--full-refresh", "--vars", json.dumps({"build_time": later.isoformat(sep=" ")})],
        site / "raw",
        warehouse,
        site / "target",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert all(set(times.values()) == {later} for times in cursors(warehouse).values())
