"""Shared fixtures: a small generated dataset and a warehouse built from it by dbt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from audience.exports import CSV_READ_OPTIONS, write_exports
from audience.generate import config_with, generate

PROJECT_DIR = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).with_name("dbt"))
TEST_CUSTOMERS = int(os.environ.get("AUDIENCE_TEST_CUSTOMERS", "5000"))


@dataclass(frozen=True)
class Warehouse:
    """A dbt build of the project on a generated dataset."""

    raw_dir: Path
    path: Path
    manifest: dict
    build: subprocess.CompletedProcess
    run_results: dict

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.path), read_only=True)

    def query(self, sql: str) -> list[tuple]:
        with self.connect() as con:
            return con.execute(sql).fetchall()


# the change log's export: a folder per day, read back with hive partitioning
DAY_FOLDER_READERS = {"parquet": "read_parquet", "csv": "read_csv"}


def day_folder_rows(folder: Path, suffix: str) -> str:
    """SQL for the rows of an export written as one folder per day, in the Parquet or the CSV files."""
    options = f", {CSV_READ_OPTIONS}" if suffix == "csv" else ""
    return f"select * from {DAY_FOLDER_READERS[suffix]}('{folder}/*/*.{suffix}', hive_partitioning = true{options})"


def rows_in_one_only(left: str, right: str) -> str:
    """SQL counting (as n) the rows of one query that the other lacks, duplicates counted."""
    return f"select count(*) as n from (({left} except all {right}) union all ({right} except all {left}))"


def nearest_kept_centre(
    frame: pd.DataFrame, rows: pd.DataFrame, features: list[str], log_features: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's cluster and distance, recomputed from int_cluster_model's rows alone (without PCA) and not by
    audience.clustering: missing recency = the kept fill, other missing = 0, log(1 + x), standardized by the kept
    means and scales, then the nearest kept centre."""
    kept = rows.set_index(["term", "feature"])["value"]
    x = frame[features].astype(float)
    x["recency_days"] = x["recency_days"].fillna(kept[("recency_fill", "recency_days")])
    x = x.fillna(0.0)
    x[log_features] = np.log1p(x[log_features])
    z = ((x - kept["mean"][features]) / kept["scale"][features]).to_numpy()
    centres = rows[rows.term == "centre"].pivot_table(index="cluster_id", columns="feature", values="value")[features]
    distances = np.sqrt(((z[:, None, :] - centres.to_numpy()[None, :, :]) ** 2).sum(axis=2))
    return centres.index.to_numpy()[distances.argmin(axis=1)], distances.min(axis=1)


def dbt_env(raw_dir: Path, warehouse: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DBT_PROFILES_DIR=str(PROJECT_DIR),
        DBT_PROJECT_DIR=str(PROJECT_DIR),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        AUDIENCE_RAW_DIR=str(raw_dir),
        AUDIENCE_DUCKDB_PATH=str(warehouse),
    )
    env.update(extra)
    return env


def run_dbt(
    args: list[str], raw_dir: Path, warehouse: Path, target_path: Path, **extra: str
) -> subprocess.CompletedProcess:
    """Run a dbt command against the project with its own warehouse and artefacts."""
    return subprocess.run(
        [DBT, *args, "--target-path", str(target_path), "--log-path", str(target_path / "logs")],
        cwd=PROJECT_DIR,
        env=dbt_env(raw_dir, warehouse, **extra),
        capture_output=True,
        text=True,
        check=False,
    )


def run_dbt_and_export(
    args: list[str], raw_dir: Path, warehouse: Path, target_path: Path, exports: Path
) -> subprocess.CompletedProcess:
    """A dbt run, then (if it succeeded) the exports it declares into ``exports``, as publishing writes them."""
    result = run_dbt(args, raw_dir, warehouse, target_path)
    if result.returncode == 0:
        write_exports(warehouse, target_path, exports, full_refresh="--full-refresh" in args)
    return result


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """Generate a small dataset and `dbt build` the whole project on it, once per session."""
    root = tmp_path_factory.mktemp("warehouse")
    raw_dir = root / "raw"
    # in blocks of people, as at scale: every check of the warehouse against the
    # manifest then also checks that the blocks add up (ids, identities, defects)
    manifest = generate(config_with(customers=TEST_CUSTOMERS, seed=7, people_per_block=2000), raw_dir)
    target = root / "target"
    build = run_dbt_and_export(["build"], raw_dir, root / "audience.duckdb", target, root / "exports")
    results_file = target / "run_results.json"
    run_results = json.loads(results_file.read_text()) if results_file.exists() else {"results": []}
    return Warehouse(raw_dir, root / "audience.duckdb", manifest, build, run_results)


@pytest.fixture(scope="session")
def parsed_manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The project's manifest from `dbt parse` (no warehouse, no data read)."""
    root = tmp_path_factory.mktemp("parse")
    result = run_dbt(["parse"], PROJECT_DIR / "data" / "raw", root / "parse.duckdb", root / "target")
    assert result.returncode == 0, result.stdout[-3000:]
    return json.loads((root / "target" / "manifest.json").read_text())
