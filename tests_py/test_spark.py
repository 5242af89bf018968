"""The project on Spark with Delta Lake gives the rows DuckDB gives (`make test-spark`).

One small extract is built on both engines, then an incremental day on
both, and every table of the compared schemas is compared row for row
(tests_py/test_compare.py says how); the file exports too; then every dbt
test runs on the Spark warehouse. The differences a probe found Spark giving
silently each have a check here that fails on the old code: an email regex
that lost its backslash and a customer key of other bits (the macro check
below), seed cells that loaded as the text 'None' (the seeds are compared
and checked for it), and a birthday computed through an unparenthesized
dateadd (the trigger tables).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from audience.compare import export_differences, export_groups, frame_differences
from audience.generate import config_with, generate
from conftest import PROJECT_DIR, dbt_env, run_dbt, run_dbt_and_export

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


TIMESTAMP_TEXTS = [
    "2026-03-01T10:00:00Z",
    "2026-03-01 10:00:00",
    "2026-03-01T10:00:00-05:00",
    "2026-02-30 10:00:00",
    "-infinity",
    "infinity",
    "epoch",
    "1900-01-01T00:00:00Z",
    "2027-01-01T00:00:00Z",
    "not a time",
    "",
]


def macro_checks_sql() -> str:
    """The project's email, key and timestamp macros applied to awkward texts, one row each."""
    emails = " union all ".join(f"select {{{{ text_literal({email!r}) }}}} as text" for email in EMAILS)
    times = " union all ".join(f"select {{{{ text_literal({text!r}) }}}} as text" for text in TIMESTAMP_TEXTS)
    reason = "{{ timestamp_issue('text', \"cast('2026-03-02 00:00:00' as timestamp)\") }}"
    return (
        "select 'email' as kind, text, {{ customer_key('text') }} as customer_key, "
        "{{ is_valid_email('text') }} as is_valid, cast(null as string) as reason, "
        "cast(null as string) as parsed "
        f"from ({emails}) as emails "
        "union all "
        "select 'timestamp' as kind, text, cast(null as bigint) as customer_key, cast(null as boolean) as is_valid, "
        f"{reason} as reason, "
        f"case when ({reason}) is null then cast({{{{ to_utc_timestamp('text') }}}} as string) end as parsed "
        f"from ({times}) as times"
    )


def test_keys_email_validity_and_timestamp_reasons_are_the_same_on_both_engines(tmp_path: Path) -> None:
    spark_warehouse = tmp_path / "spark_warehouse"
    duckdb_rows = show(macro_checks_sql(), "dev", tmp_path, spark_warehouse)
    spark_rows = show(macro_checks_sql(), "spark", tmp_path, spark_warehouse)

    def key(row: dict) -> tuple:
        return row["kind"], row["text"]

    assert {row["text"] for row in duckdb_rows} == set(EMAILS) | set(TIMESTAMP_TEXTS)
    assert sorted(spark_rows, key=key) == sorted(duckdb_rows, key=key)
    # and what they agree on is right
    by_text = {key(row): row for row in duckdb_rows}
    assert by_text["email", "ann.lee@gmail.com"]["is_valid"] and by_text["email", "o'brien@example.org"]["is_valid"]
    assert not by_text["email", "ann.lee@gmail"]["is_valid"] and not by_text["email", "annXlee@gmailXcom"]["is_valid"]
    reasons = {text: by_text["timestamp", text]["reason"] for text in TIMESTAMP_TEXTS}
    assert reasons == {
        "2026-03-01T10:00:00Z": None,
        "2026-03-01 10:00:00": None,
        "2026-03-01T10:00:00-05:00": None,
        "2026-02-30 10:00:00": "unparseable_timestamp",
        "-infinity": "implausible_date",
        "infinity": "future_timestamp",
        "epoch": "implausible_date",  # 1970-01-01, before earliest_plausible_date
        "1900-01-01T00:00:00Z": "implausible_date",
        "2027-01-01T00:00:00Z": "future_timestamp",
        "not a time": "unparseable_timestamp",
        "": "missing_timestamp",
    }
    assert by_text["timestamp", "2026-03-01T10:00:00-05:00"]["parsed"].startswith("2026-03-01 15:00:00")


# ---------------------------------------------------------------- the same rows on both engines

COMPARED_SCHEMAS = ("seeds", "intermediate", "marts", "activation", "snapshots")
JSON_COLUMNS = ("payload",)
DAY_1 = date(2026, 10, 30)
NO_TESTS = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]


@dataclass(frozen=True)
class Engines:
    duckdb_file: Path
    duckdb_exports: Path
    spark_tables: Path
    spark_exports: Path
    spark_env: dict[str, str]


def run_module(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run([sys.executable, "-m", *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Engines:
    """One small extract built on DuckDB and on Spark + Delta, then its next day built incrementally on both."""
    root = tmp_path_factory.mktemp("engines")
    raw = root / "raw"
    duckdb_file, duckdb_exports, spark_exports = root / "duckdb.duckdb", root / "duckdb_exports", root / "spark_exports"
    spark_env = dbt_env(
        raw,
        root / "unused.duckdb",
        AUDIENCE_SPARK_WAREHOUSE=str(root / "spark_warehouse"),
        AUDIENCE_SPARK_SHUFFLE_PARTITIONS="1",
        AUDIENCE_DBT_THREADS="4",
        DBT_TARGET_PATH=str(root / "spark_target"),
    )
    for day in (DAY_1, DAY_1 + timedelta(days=1)):
        generate(config_with(customers=2000, seed=11, end_date=day.isoformat()), raw)
        # both engines' builds of a day stamp the rows they change with the same time
        build_time = ["--vars", json.dumps({"build_time": f"{day} 06:00:00"})]
        built = run_dbt_and_export(
            ["build", *NO_TESTS, *build_time], raw, duckdb_file, root / "duckdb_target", duckdb_exports
        )
        assert built.returncode == 0, built.stdout[-3000:]
        run_module(["audience.spark", "build", "--exports", str(spark_exports), *NO_TESTS, *build_time], spark_env)
    run_module(["audience.spark", "export", str(root / "spark_tables"), *COMPARED_SCHEMAS], spark_env)
    return Engines(duckdb_file, duckdb_exports, root / "spark_tables", spark_exports, spark_env)


def test_every_table_has_the_same_rows_on_both_engines_after_an_incremental_day(engines: Engines) -> None:
    """Seeds, intermediate tables, marts, activation tables and snapshots (history included: same two days)."""
    with duckdb.connect(str(engines.duckdb_file), read_only=True) as con:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in {COMPARED_SCHEMAS} order by all"
        ).fetchall()
        assert {schema for schema, _ in relations} == set(COMPARED_SCHEMAS)
        differences = {}
        for schema, table in relations:
            folder = engines.spark_tables / schema / table
            assert folder.is_dir(), f"{schema}.{table} is missing on Spark"
            on_duckdb = con.execute(f'select * from "{schema}"."{table}"').df()
            on_spark = con.execute(f"select * from read_parquet('{folder}/*.parquet')").df()
            only_duckdb, only_spark = frame_differences(on_duckdb, on_spark, JSON_COLUMNS)
            if only_duckdb or only_spark:
                differences[f"{schema}.{table}"] = (len(only_duckdb), len(only_spark), (only_duckdb + only_spark)[:2])
        # two builds, two as-of dates: the history tables hold both days (the same on Spark, or they differ above)
        snapshot_days = "select count(distinct dbt_valid_from) from snapshots.customer_segments_snapshot"
        assert con.execute(snapshot_days).fetchone() == (2,)
    assert differences == {}


def test_seed_cells_left_empty_are_null_on_spark(engines: Engines) -> None:
    definitions = duckdb.execute(
        f"select offer_code from read_parquet('{engines.spark_tables}/seeds/trigger_definitions/*.parquet')"
    ).fetchall()
    assert (None,) in definitions and ("None",) not in definitions


def test_spark_writes_the_exports_a_duckdb_build_writes(engines: Engines) -> None:
    """The same files and folders after both days, each with the same columns and rows."""
    assert len(export_groups(engines.duckdb_exports)) > 10
    assert export_differences(engines.duckdb_exports, engines.spark_exports, JSON_COLUMNS) == {}


def test_every_dbt_test_passes_on_spark(engines: Engines) -> None:
    """The project's data and unit tests, every one of them, run by dbt on the Spark warehouse of the second day."""
    target = engines.spark_tables.parent / "spark_test_target"
    dbt = str(Path(sys.executable).with_name("dbt"))
    result = subprocess.run(
        [dbt, "test", "--target", "spark", "--target-path", str(target)],
        cwd=PROJECT_DIR,
        env=engines.spark_env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-5000:]
    manifest = json.loads((target / "manifest.json").read_text())
    tests = {uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "test"} | set(
        manifest["unit_tests"]
    )
    results = json.loads((target / "run_results.json").read_text())["results"]
    assert {r["unique_id"] for r in results if r["status"] == "pass"} == tests
