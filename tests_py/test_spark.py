"""The project on Spark with Delta Lake gives the values DuckDB gives (`make test-spark`).

Each check runs the project's own macros on both engines through `dbt show`
and compares: the three differences a probe found Spark giving silently
(an email regex that lost its backslash, a customer key of other bits, seed
cells that loaded as the text 'None') each have a case here.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from audience.compare import frame_differences
from audience.generate import config_with, generate
from conftest import PROJECT_DIR, dbt_env, run_dbt

pytestmark = pytest.mark.spark

EMAILS = [
    "ann.lee@gmail.com",
    "ann.lee@gmail",  # the dot before the TLD is a literal dot: invalid on both engines
    "annXlee@gmailXcom",
    "o'brien@example.org",  # an apostrophe is allowed by valid_email_pattern
    "bo+news@shop.co.uk",
    "zoë@exämple.de",
    "back\\slash@x.io",
    "UPPER@X.IO",
]


@pytest.fixture(scope="module")
def spark_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("spark_warehouse")


def show(sql: str, target: str, root: Path, spark_warehouse: Path) -> list[dict]:
    """Rows of an inline query compiled and run by dbt on ``target`` (duckdb or spark)."""
    args = ["--quiet", "show", "--target", target, "--output", "json", "--limit", "-1", "--inline", sql]
    result = run_dbt(
        args,
        PROJECT_DIR / "data" / "raw",
        root / f"{target}.duckdb",
        root / target,
        AUDIENCE_SPARK_WAREHOUSE=str(spark_warehouse),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(re.search(r"\{\s*\"show\".*\}", result.stdout, re.S).group(0))["show"]


def email_checks_sql() -> str:
    rows = " union all ".join(f"select {{{{ text_literal({email!r}) }}}} as email" for email in EMAILS)
    return (
        "select email, {{ customer_key('email') }} as customer_key, {{ is_valid_email('email') }} as is_valid "
        f"from ({rows}) as emails"
    )


def test_keys_and_email_validity_are_the_same_on_both_engines(tmp_path: Path, spark_warehouse: Path) -> None:
    duckdb_rows = show(email_checks_sql(), "dev", tmp_path, spark_warehouse)
    spark_rows = show(email_checks_sql(), "spark", tmp_path, spark_warehouse)
    by_email = {row["email"]: row for row in duckdb_rows}
    assert set(by_email) == set(EMAILS)
    assert sorted(spark_rows, key=lambda r: r["email"]) == sorted(duckdb_rows, key=lambda r: r["email"])
    # and what they agree on is right
    assert by_email["ann.lee@gmail.com"]["is_valid"] and by_email["o'brien@example.org"]["is_valid"]
    assert not by_email["ann.lee@gmail"]["is_valid"] and not by_email["annXlee@gmailXcom"]["is_valid"]


SEEDS = [
    "complementary_categories",
    "fx_rates",
    "quarantine_reason_checks",
    "quarantine_reasons",
    "rfm_segment_map",
    "trigger_conditions",
    "trigger_definitions",
]


def test_seeds_load_the_same_rows_on_both_engines(tmp_path: Path, spark_warehouse: Path) -> None:
    """Empty cells are null (not the text 'None'), quotes survive, types are the declared ones."""
    for target in ("dev", "spark"):
        result = run_dbt(
            ["seed", "--target", target],
            PROJECT_DIR / "data" / "raw",
            tmp_path / f"{target}.duckdb",
            tmp_path / target,
            AUDIENCE_SPARK_WAREHOUSE=str(spark_warehouse),
        )
        assert result.returncode == 0, result.stdout[-3000:]
    for seed in SEEDS:
        sql = f"select * from {{{{ ref('{seed}') }}}}"
        duckdb_rows = show(sql, "dev", tmp_path, spark_warehouse)
        spark_rows = show(sql, "spark", tmp_path, spark_warehouse)
        assert duckdb_rows, seed

        def canonical(rows: list[dict]) -> list[str]:
            return sorted(json.dumps(row, sort_keys=True, default=str) for row in rows)

        assert canonical(spark_rows) == canonical(duckdb_rows), seed
    definitions = show("select * from {{ ref('trigger_definitions') }}", "spark", tmp_path, spark_warehouse)
    assert any(row["offer_code"] is None for row in definitions)
    assert not any(row["offer_code"] == "None" for row in definitions)


# ---------------------------------------------------------------- the same rows on both engines

COMPARED_SCHEMAS = ("marts", "activation")
JSON_COLUMNS = ("payload",)


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One small extract built on DuckDB and on Spark + Delta; the DuckDB file and the Spark tables as Parquet."""
    root = tmp_path_factory.mktemp("engines")
    raw = root / "raw"
    generate(config_with(customers=1000, seed=11), raw)
    no_tests = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
    duckdb_file = root / "duckdb.duckdb"
    built = run_dbt(["build", *no_tests], raw, duckdb_file, root / "duckdb_target")
    assert built.returncode == 0, built.stdout[-3000:]
    env = dbt_env(
        raw,
        root / "unused.duckdb",
        AUDIENCE_SPARK_WAREHOUSE=str(root / "spark_warehouse"),
        AUDIENCE_SPARK_SHUFFLE_PARTITIONS="1",
        DBT_TARGET_PATH=str(root / "spark_target"),
    )
    for command in (
        ["-m", "audience.spark", *no_tests],
        ["-m", "audience.spark", "--export-tables", str(root / "spark_tables"), *COMPARED_SCHEMAS],
    ):
        result = subprocess.run([sys.executable, *command], cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return duckdb_file, root / "spark_tables"


def test_every_mart_and_activation_table_has_the_same_rows_on_both_engines(both_engines: tuple[Path, Path]) -> None:
    duckdb_file, spark_tables = both_engines
    with duckdb.connect(str(duckdb_file), read_only=True) as con:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in {COMPARED_SCHEMAS} order by all"
        ).fetchall()
        assert len(relations) > 20
        differences = {}
        for schema, table in relations:
            folder = spark_tables / schema / table
            assert folder.is_dir(), f"{schema}.{table} is missing on Spark"
            on_duckdb = con.execute(f'select * from "{schema}"."{table}"').df()
            on_spark = con.execute(f"select * from read_parquet('{folder}/*.parquet')").df()
            only_duckdb, only_spark = frame_differences(on_duckdb, on_spark, JSON_COLUMNS)
            if only_duckdb or only_spark:
                differences[f"{schema}.{table}"] = (len(only_duckdb), len(only_spark), (only_duckdb + only_spark)[:2])
    assert differences == {}
