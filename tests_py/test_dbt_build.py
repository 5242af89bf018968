"""The whole dbt project builds on a generated dataset and every dbt test passes."""

from __future__ import annotations

from conftest import Warehouse


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
    assert schemas == {"staging", "intermediate", "marts", "activation", "seeds", "snapshots"}
