"""The parts of the Spark build that need no Spark (audience.spark, the exports from Parquet copies)."""

from __future__ import annotations

import duckdb
import pytest

from audience.compare import export_differences
from audience.exports import as_of_relation, exports_of_run, write_exports, write_exports_from_parquet
from audience.spark import main, python_models_in_order, spark_settings


def test_exports_from_parquet_copies_of_the_tables_equal_the_exports_from_the_warehouse(warehouse, tmp_path) -> None:
    """What a Spark build hands over (its tables as Parquet) gives the very files the DuckDB warehouse gives."""
    target = warehouse.path.parent / "target"
    manifest, specs = exports_of_run(target)
    assert len(specs) == 7
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        for relation in {spec.relation for spec in specs} | {as_of_relation(manifest)}:
            folder = tmp_path.joinpath("tables", *(part.strip('"') for part in relation.split(".")))
            folder.mkdir(parents=True)
            con.execute(f"copy (select * from {relation}) to '{folder}/part-0.parquet' (format parquet)")
    write_exports(warehouse.path, target, tmp_path / "from_warehouse")
    write_exports_from_parquet(tmp_path / "tables", manifest, specs, tmp_path / "from_parquet")
    assert export_differences(tmp_path / "from_warehouse", tmp_path / "from_parquet", ("payload",)) == {}
    # whole files are byte for byte the same
    for name in ("esp_contacts.csv", "suppression_list.csv", "segment_sizes.csv"):
        assert (tmp_path / "from_parquet" / name).read_bytes() == (tmp_path / "from_warehouse" / name).read_bytes()


def node(name: str, *parents: str, language: str = "python") -> tuple[str, dict]:
    uid = f"model.p.{name}"
    return uid, {
        "resource_type": "model",
        "language": language,
        "name": name,
        "depends_on": {"nodes": [f"model.p.{p}" for p in parents]},
    }


def test_python_models_run_after_the_python_models_they_read() -> None:
    nodes = dict([node("scores", "features", "similarities"), node("similarities", "sql_model"), node("features")])
    nodes.update([node("sql_model", language="sql")])
    order = [n["name"] for n in python_models_in_order({"nodes": nodes})]
    assert sorted(order) == ["features", "scores", "similarities"]
    assert order.index("scores") > max(order.index("features"), order.index("similarities"))


def test_python_models_that_read_each_other_in_a_cycle_are_refused() -> None:
    with pytest.raises(ValueError, match="cycle"):
        python_models_in_order({"nodes": dict([node("a", "b"), node("b", "a")])})


def test_the_spark_session_is_configured_from_the_profile() -> None:
    settings = spark_settings({"AUDIENCE_SPARK_WAREHOUSE": "/data/wh", "AUDIENCE_SPARK_SHUFFLE_PARTITIONS": "8"})
    assert settings["spark.sql.warehouse.dir"] == "/data/wh"
    assert settings["spark.sql.shuffle.partitions"] == "8"
    assert "databaseName=/data/wh/metastore_db" in settings["spark.hadoop.javax.jdo.option.ConnectionURL"]
    assert settings["spark.sql.catalog.spark_catalog"] == "org.apache.spark.sql.delta.catalog.DeltaCatalog"
    assert settings["spark.sql.session.timeZone"] == "UTC"
    assert spark_settings({})["spark.sql.warehouse.dir"] == "spark-warehouse"


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["export", "only-a-folder"]])
def test_an_unknown_command_prints_the_usage_and_exits_2(argv: list[str], capsys) -> None:
    assert main(argv) == 2
    assert "audience.spark build" in capsys.readouterr().err
