"""Scale benchmark of the whole pipeline (``make bench``); not a test, nothing here asserts a time.

Phases, each timed on the wall clock:

1. generate the raw extract up to day D at the given scale;
2. full build of models, seeds and snapshots (``dbt build`` without tests), then
   the tests on their own (``dbt test``);
3. the next day's extract (D + 1: new events, late arrivals and duplicates)
   and an incremental build on top of the full one;
4. our RFM / CLV-input model (``dbt run -s customer_rfm``) against lifetimes'
   ``summary_data_from_transaction_data`` on the same purchases.

Short phases (the incremental build, the RFM comparison) are repeated and
reported as medians. Peak memory is the dbt process's own maximum resident
set (``wait4`` rusage). Results: ``bench/results/<stamp>-<customers>.json``
and ``.md``, and ``bench/results/latest.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import duckdb

from audience.generate import GeneratorConfig, config_with, generate

PROJECT_DIR = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).with_name("dbt"))
NO_TESTS = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]


def run_dbt(args: list[str], env: dict[str, str], target: Path) -> tuple[float, float]:
    """Run dbt; return (wall seconds, peak resident memory of the dbt process in MiB)."""
    started = time.perf_counter()
    with open(target / "dbt.log", "a") as log:
        process = subprocess.Popen(
            [DBT, *args, "--target-path", str(target)], cwd=PROJECT_DIR, env=env, stdout=log, stderr=log
        )
        _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed; see {target / 'dbt.log'}")
    return elapsed, usage.ru_maxrss / 1024


def slowest_nodes(target: Path, n: int = 10) -> list[dict]:
    results = json.loads((target / "run_results.json").read_text())["results"]
    ranked = sorted(results, key=lambda r: r["execution_time"], reverse=True)[:n]
    return [{"node": r["unique_id"].split(".", 2)[-1], "seconds": round(r["execution_time"], 2)} for r in ranked]


def node_seconds(target: Path, unique_id: str) -> float:
    """Execution time dbt recorded for one node (the query itself, without dbt's start-up)."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    return next(r["execution_time"] for r in results if r["unique_id"] == unique_id)


def lifetimes_summary_seconds(warehouse: Path, runs: int) -> tuple[float, int]:
    """Median seconds of lifetimes' RFM summary on the purchases the warehouse's customer_rfm used."""
    from lifetimes.utils import summary_data_from_transaction_data

    with duckdb.connect(str(warehouse), read_only=True) as con:
        purchases = con.execute(
            "select customer_id, purchased_at, revenue::double as revenue from intermediate.int_customer_purchases"
        ).df()
        as_of = con.execute("select as_of_date from intermediate.int_as_of_date").fetchall()[0][0]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        summary_data_from_transaction_data(
            purchases,
            "customer_id",
            "purchased_at",
            monetary_value_col="revenue",
            observation_period_end=str(as_of),
            freq="D",
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times), len(purchases)


def markdown(report: dict) -> str:
    p = report["phases_seconds"]
    lines = [
        f"# Benchmark: {report['customers']:,} customers, {report['raw_rows']:,} raw rows",
        "",
        f"Machine: {report['machine']}. DuckDB threads {report['duckdb_threads']}, "
        f"memory_limit {report['duckdb_memory_limit']}, dbt threads {report['dbt_threads']}.",
        "",
        "| phase | seconds |",
        "|---|---|",
        f"| generate (day D) | {p['generate']:.1f} |",
        f"| full build, models only | {p['full_build']:.1f} |",
        f"| tests (data + unit) | {p['tests']:.1f} |",
        f"| full build incl. tests | {p['full_build'] + p['tests']:.1f} |",
        f"| generate (day D+1, not timed against targets) | {p['generate_next_day']:.1f} |",
        f"| incremental build after one day (median of {report['runs']}) | {p['incremental_build']:.1f} |",
        "",
        f"Peak memory of the dbt process: full build {report['peak_memory_mib']['full_build']:,.0f} MiB, "
        f"tests {report['peak_memory_mib']['tests']:,.0f} MiB, "
        f"incremental {report['peak_memory_mib']['incremental_build']:,.0f} MiB.",
        f"Throughput of the full build: {report['raw_rows_per_second']:,.0f} raw rows per second.",
        "",
        f"RFM / CLV inputs on {report['rfm']['purchases']:,} purchases (median of {report['runs']}): "
        f"model `customer_rfm` (its execution time in dbt) {report['rfm']['dbt_customer_rfm_seconds']:.2f} s, "
        "lifetimes "
        f"`summary_data_from_transaction_data` {report['rfm']['lifetimes_seconds']:.2f} s "
        f"(lifetimes / ours = {report['rfm']['ratio']:.1f}x).",
        "",
        "Slowest nodes of the full build (models) and of the test run:",
        "",
        "| node | seconds |",
        "|---|---|",
    ]
    lines += [f"| {r['node']} | {r['seconds']} |" for r in report["slowest_models"]]
    lines += ["", "| test | seconds |", "|---|---|"]
    lines += [f"| {r['node']} | {r['seconds']} |" for r in report["slowest_tests"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="repetitions of the short phases (median)")
    parser.add_argument("--work", type=Path, default=PROJECT_DIR / "bench" / "work")
    parser.add_argument("--results", type=Path, default=PROJECT_DIR / "bench" / "results")
    args = parser.parse_args(argv)

    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    args.results.mkdir(parents=True, exist_ok=True)
    raw, warehouse, target = args.work / "raw", args.work / "bench.duckdb", args.work / "target"
    target.mkdir()
    env = dict(
        os.environ,
        DBT_PROFILES_DIR=str(PROJECT_DIR),
        DBT_PROJECT_DIR=str(PROJECT_DIR),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        AUDIENCE_RAW_DIR=str(raw),
        AUDIENCE_DUCKDB_PATH=str(warehouse),
        AUDIENCE_EXPORTS_DIR=str(args.work / "exports"),
    )
    day_d = GeneratorConfig().end_date - timedelta(days=1)
    phases: dict[str, float] = {}
    memory: dict[str, float] = {}

    started = time.perf_counter()
    manifest = generate(config_with(customers=args.customers, end_date=day_d.isoformat()), raw)
    phases["generate"] = time.perf_counter() - started
    raw_rows = sum(manifest["rows"].values())

    phases["full_build"], memory["full_build"] = run_dbt(["build", *NO_TESTS], env, target)
    slowest_models = slowest_nodes(target)
    phases["tests"], memory["tests"] = run_dbt(["test"], env, target)
    slowest_tests = slowest_nodes(target)

    started = time.perf_counter()
    generate(config_with(customers=args.customers, end_date=(day_d + timedelta(days=1)).isoformat()), raw)
    phases["generate_next_day"] = time.perf_counter() - started
    snapshot = args.work / "after_full_build.duckdb"
    shutil.copyfile(warehouse, snapshot)
    incremental, incremental_memory = [], []
    for _ in range(args.runs):
        shutil.copyfile(snapshot, warehouse)
        seconds, peak = run_dbt(["build", *NO_TESTS], env, target)
        incremental.append(seconds)
        incremental_memory.append(peak)
    phases["incremental_build"] = statistics.median(incremental)
    memory["incremental_build"] = max(incremental_memory)

    rfm_runs = []
    for _ in range(args.runs):
        run_dbt(["run", "-s", "customer_rfm"], env, target)
        rfm_runs.append(node_seconds(target, "model.audience_warehouse.customer_rfm"))
    lifetimes_seconds, purchases = lifetimes_summary_seconds(warehouse, args.runs)
    rfm_seconds = statistics.median(rfm_runs)

    settings = {
        "duckdb_threads": os.environ.get("AUDIENCE_DUCKDB_THREADS", "2"),
        "duckdb_memory_limit": os.environ.get("AUDIENCE_DUCKDB_MEMORY_LIMIT", "3GB"),
        "dbt_threads": os.environ.get("AUDIENCE_DBT_THREADS", "2"),
    }
    report = {
        "customers": args.customers,
        "raw_rows": raw_rows,
        "runs": args.runs,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        **settings,
        "phases_seconds": {k: round(v, 2) for k, v in phases.items()},
        "incremental_build_runs_seconds": [round(v, 2) for v in incremental],
        "peak_memory_mib": {k: round(v) for k, v in memory.items()},
        "raw_rows_per_second": raw_rows / phases["full_build"],
        "rfm": {
            "purchases": purchases,
            "dbt_customer_rfm_seconds": rfm_seconds,
            "lifetimes_seconds": lifetimes_seconds,
            "ratio": lifetimes_seconds / rfm_seconds,
        },
        "slowest_models": slowest_models,
        "slowest_tests": slowest_tests,
    }
    stamp = time.strftime("%Y%m%dT%H%M%S")
    name = f"{stamp}-{args.customers}"
    (args.results / f"{name}.json").write_text(json.dumps(report, indent=2))
    text = markdown(report)
    (args.results / f"{name}.md").write_text(text)
    (args.results / "latest.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
