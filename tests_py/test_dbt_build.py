"""The whole dbt project builds on a generated dataset and every dbt test passes."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from audience.generate import config_with, generate
from conftest import PROJECT_DIR, Warehouse, run_dbt

# sources whose rows land only when something happens: their load times say nothing of the connector
WITHOUT_FRESHNESS = {"privacy.deletion_requests", "shop.products"}


def test_dbt_build_passes_every_model_and_test(warehouse: Warehouse) -> None:
    failures = [
        f"{r['unique_id']}: {r['status']} {r.get('message') or ''}"
        for r in warehouse.run_results["results"]
        if r["status"] not in ("success", "pass")
        # exposures are declarations: dbt build reports them as no-op
        and not (r["unique_id"].startswith("exposure.") and r["status"] == "no-op")
    ]
    assert warehouse.build.returncode == 0, warehouse.build.stdout[-4000:]
    assert not failures, "\n".join(failures)


def test_build_ran_models_data_tests_and_unit_tests(warehouse: Warehouse) -> None:
    kinds = {r["unique_id"].split(".")[0] for r in warehouse.run_results["results"]}
    assert {"model", "seed", "test", "unit_test"} <= kinds


def test_schemas_have_clean_names(warehouse: Warehouse) -> None:
    schemas = {row[0] for row in warehouse.query("select distinct table_schema from information_schema.tables")}
    # test_failures: the failing rows of the tests that store them (reconciliation, privacy)
    assert schemas == {"staging", "intermediate", "marts", "activation", "seeds", "snapshots", "test_failures"}


def source_freshness(raw: Path, root: Path) -> dict[str, str]:
    """`dbt source freshness` on an extract: each checked source's status."""
    result = run_dbt(["source", "freshness"], raw, root / "freshness.duckdb", root / "target")
    assert "Could not compute freshness" not in result.stdout, result.stdout[-3000:]
    results = json.loads((root / "target" / "sources.json").read_text())["results"]
    return {r["unique_id"].split(".", 2)[2]: r["status"] for r in results}


def make_default(name: str) -> str:
    """The default of a ``NAME ?= value`` variable of the Makefile."""
    return re.search(rf"^{name} \?= (.+)$", (PROJECT_DIR / "Makefile").read_text(), re.MULTILINE).group(1)


def test_source_freshness_passes_on_the_extract_make_build_generates(tmp_path: Path) -> None:
    """make data ends the extract today (UTC): every source's newest loads are recent, none past warn_after.

    The same extract as make build's (its size matters: a small shop has
    quiet days on which no contact changes), checked at whatever time of day
    the test runs.
    """
    shell = re.fullmatch(r"\$\(shell (.+)\)", make_default("END_DATE")).group(1)
    today = subprocess.run(shell, shell=True, capture_output=True, text=True, check=True).stdout.strip()
    assert date.fromisoformat(today) == datetime.now(UTC).date()
    raw = tmp_path / "raw"
    generate(config_with(customers=int(make_default("CUSTOMERS")), seed=int(make_default("SEED")), end_date=today), raw)
    statuses = source_freshness(raw, tmp_path)
    assert len(statuses) == 8 and not WITHOUT_FRESHNESS & statuses.keys()
    assert set(statuses.values()) == {"pass"}, statuses


def test_source_freshness_fails_on_a_stale_extract(warehouse: Warehouse, tmp_path: Path) -> None:
    newest = warehouse.query("select max(_loaded_at) from intermediate.int_email_events_validated")[0][0]
    if date.today() - newest.date() < timedelta(days=4):
        pytest.fail("the shared test extract must end more than three days before today for this test")
    statuses = source_freshness(warehouse.raw_dir, tmp_path)
    assert set(statuses.values()) == {"error"}, statuses
