"""Scale benchmark of the whole pipeline (``make bench``); not a test, nothing here asserts a time.

Phases, each timed on the wall clock:

1. generate the raw extract up to day D at the given scale;
2. full build: one ``dbt build`` (models, seeds, snapshots and every test)
   and the file exports it declares (``python -m audience export``); every
   build below includes its exports the same way;
3. micro-batches as a schedule runs ``python -m audience build``: one ``dbt
   build``, models and tests, on a project the run before it left parsed,
   and its exports into the folder the build before left; its tests' time
   is dbt's execution time of its test nodes. The whole next day (D + 1:
   new rows, late arrivals, re-deliveries, refunds of older orders) on the
   full build (median of ``--runs``, each from the same starting copy);
   then the first hour of D + 2 on what that day's build left: an hour's
   rows are mostly late arrivals of the day before, so the build keeps the
   as-of date and replaces what the day's build wrote for it, as most
   hourly builds of a day do (on the full build instead, the hour would
   replace the whole first build's history, every row of which is dated
   D: a case a schedule meets once);
4. a full refresh on the D + 1 extract into another file, compared table by
   table with the incremental result (the incremental run must give the same
   rows);
5. what ``python -m audience build`` adds around dbt to publish safely:
   the working copy of the warehouse, and the checkpoint and rename;
6. our RFM / CLV-input model (``customer_rfm``, its execution time in dbt)
   against lifetimes' ``summary_data_from_transaction_data`` on the same
   purchases (medians of ``--runs``).

``--baseline REF`` also builds the project as it was at git ``REF`` (``git
archive`` into the work folder) on the same extracts: its full build right
after phase 2's, and each of phase 3's incremental builds right after the
new code's, so both meet the same machine. The report gives both times,
their ratios (new / old, and incremental / full for each) and the models
whose time changed most in the incremental build.

``--full-build-only`` stops after phase 2: for the largest scales, where one
full build is the question (does it finish, how long, how much memory).

``--days N`` adds a phase 7, run after phase 3 on a copy of the D + 1
warehouse: N more days (D + 2, D + 3, ...), each a new extract and one
incremental build (models, no tests) on the warehouse the day before left,
as a daily schedule runs it. It reports each day's build time and peak
memory and the warehouse file's size and used part after a checkpoint:
whether the daily build stays as fast and the file stops growing faster
than the data.

When a phase fails, the report is still written with what the phases
before it measured, and names the failed phase (the full build's failing
nodes); the benchmark then exits with status 1.

Peak memory is the maximum resident set of the process of each phase (``wait4``
rusage). Results: ``bench/results/<stamp>-<customers>.json`` and ``.md``
(replacing the earlier report of the same scale), and ``bench/results/latest.md``.
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
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import duckdb

from audience.compare import (
    COMPARED_SCHEMAS,
    FLOAT_DECIMALS,
    KEEP_FIT_VARS,
    compare_warehouses,
    copy_kept_fit,
    history_dependent,
)
from audience.generate import GeneratorConfig
from audience.publish import Published, link_or_copy, new_export_folder, prepare_working_copy, publish

PROJECT_DIR = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).with_name("dbt"))
NO_TESTS = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
# a micro-batch's settings, as an hourly or daily schedule passes them: the event tables' tests on the recent
# loads (doc block tests_on_recent_loads; a project that does not know the var, a baseline, ignores it)
MICRO_BATCH_VARS = ["--vars", json.dumps({"tests_on_recent_loads_hours": 96})]
# and without the unit tests, which check the models' logic on fixed inputs: `make test` runs them (README)
MICRO_BATCH_BUILD = ["build", "--exclude-resource-type", "unit_test", *MICRO_BATCH_VARS]
# The phases after the full build, in order, by the key each one's figures are stored under (in the
# phase times or the report): the first without its figures is the one that failed.
LATER_PHASES = (
    ("generate_next_day", "generate day D+1"),
    ("incremental_build", "incremental build"),
    ("incremental_tests", "tests after the incremental build"),
    ("generate_hourly", "generate the first hour of day D+2"),
    ("hourly_build", "hourly micro-batch"),
    ("hourly_tests", "tests after the hourly micro-batch"),
    ("daily_builds", "daily builds"),
    ("publish_copy", "publishing"),
    ("full_refresh_next_day", "full refresh on day D+1"),
    ("incremental_vs_full_refresh", "comparison of the incremental build with the full refresh"),
    ("rfm", "RFM against lifetimes"),
)


class CommandFailedError(RuntimeError):
    """A phase's command exited non-zero; carries how long it ran and its peak memory."""

    def __init__(self, command: list[str], log_path: Path, seconds: float, peak_mib: float) -> None:
        super().__init__(f"{' '.join(command)} failed; see {log_path}")
        self.log_path, self.seconds, self.peak_mib = log_path, seconds, peak_mib


def run(command: list[str], env: dict[str, str], log_path: Path) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak resident memory of the process in MiB).

    The peak counts from the fork, when the child is a copy of this process
    (about 80 MiB), so the benchmark keeps its own memory small: the data is
    generated in a subprocess too.
    """
    started = time.perf_counter()
    with open(log_path, "a") as log:
        process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=log)
        _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise CommandFailedError(command, log_path, elapsed, usage.ru_maxrss / 1024)
    return elapsed, usage.ru_maxrss / 1024


def run_dbt(args: list[str], env: dict[str, str], target: Path) -> tuple[float, float]:
    """Run dbt; return (wall seconds, peak resident memory of the dbt process in MiB)."""
    return run([DBT, *args, "--target-path", str(target)], env, target / "dbt.log")


def run_export(env: dict[str, str], target: Path, full_refresh: bool) -> tuple[float, float]:
    """``python -m audience export`` of the dbt run in ``target``; return (wall seconds, peak memory in MiB)."""
    command = [sys.executable, "-m", "audience", "export", "--target-path", str(target)]
    return run([*command, *(["--full-refresh"] if full_refresh else [])], env, target / "dbt.log")


def run_build(args: list[str], env: dict[str, str], target: Path) -> tuple[float, float]:
    """A dbt build and then its file exports, as publishing runs them.

    Returns the seconds of both and the larger peak memory: the exports were
    part of the dbt build while dbt hooks wrote them, so the figures stay comparable.
    """
    seconds, export_seconds, peak = run_build_and_exports(args, env, target)
    return seconds + export_seconds, peak


def run_build_and_exports(args: list[str], env: dict[str, str], target: Path) -> tuple[float, float, float]:
    """``run_build``'s two steps timed apart: (the dbt build's seconds, the exports' seconds, the larger peak)."""
    seconds, peak = run_dbt(args, env, target)
    export_seconds, export_peak = run_export(env, target, "--full-refresh" in args)
    return seconds, export_seconds, max(peak, export_peak)


def test_seconds(results: list[dict]) -> float:
    """dbt's execution time of the data and unit tests among a run's nodes."""
    return sum(r["execution_time"] for r in results if r["unique_id"].split(".")[0] in ("test", "unit_test"))


def micro_batch(env: dict[str, str], target: Path) -> tuple[float, float, float, float]:
    """One micro-batch as a schedule runs ``python -m audience build``: one ``dbt build`` (models and data tests;
    the unit tests are left to ``make test``) and its exports. Returns (seconds without the tests: dbt's start,
    the models and the exports; the tests' seconds; the exports' seconds, part of the first; the peak memory).

    The project is parsed first, untimed, with the same settings: on a schedule the run before left that parse
    in the target folder (partial_parse.msgpack) and dbt reads it instead of parsing every file again.
    """
    run_dbt(["parse", *MICRO_BATCH_VARS], env, target)
    seconds, exports, peak = run_build_and_exports(MICRO_BATCH_BUILD, env, target)
    tests = test_seconds(run_results(target))
    return seconds + exports - tests, tests, exports, peak


def baseline_tree(ref: str, folder: Path) -> str:
    """The project as committed at git ``ref``, unpacked into ``folder``; returns the commit."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{ref}^{{commit}}"],
        cwd=PROJECT_DIR,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", commit], cwd=PROJECT_DIR, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return commit


def baseline_env(env: dict[str, str], folder: Path, work: Path) -> dict[str, str]:
    """The environment of the baseline's builds: its project, its Python package, its own warehouse and exports."""
    return dict(
        env,
        DBT_PROJECT_DIR=str(folder),
        DBT_PROFILES_DIR=str(folder),
        PYTHONPATH=str(folder / "src"),
        AUDIENCE_DUCKDB_PATH=str(work / "baseline.duckdb"),
        AUDIENCE_EXPORTS_DIR=str(work / "exports_baseline"),
    )


def model_changes(old: list[dict], new: list[dict], n: int = 10) -> list[dict]:
    """The ``n`` models whose execution time changed most between two runs (a model missing from one counts 0)."""
    before, after = (
        {r["unique_id"]: r["execution_time"] for r in results if r["unique_id"].startswith("model.")}
        for results in (old, new)
    )
    rows = [
        {"node": node.split(".")[-1], "old": round(before.get(node, 0.0), 2), "new": round(after.get(node, 0.0), 2)}
        for node in before.keys() | after.keys()
    ]
    return sorted(rows, key=lambda r: (-abs(r["new"] - r["old"]), r["node"]))[:n]


def generate_extract(
    customers: int, end_date: str, raw: Path, env: dict[str, str], log: Path, end_hour: int = 24
) -> tuple[float, float, int]:
    """``python -m audience generate``; return (wall seconds, peak memory in MiB, raw rows written)."""
    command = [sys.executable, "-m", "audience", "generate", "--customers", str(customers)]
    command += ["--end-date", end_date, "--end-hour", str(end_hour), "--out", str(raw)]
    seconds, peak = run(command, env, log)
    manifest = json.loads((raw / "_manifest.json").read_text())
    return seconds, peak, sum(manifest["rows"].values())


def run_results(target: Path) -> list[dict]:
    return json.loads((target / "run_results.json").read_text())["results"]


def slowest(results: list[dict], kind: str, n: int = 10) -> list[dict]:
    nodes = [r for r in results if r["unique_id"].split(".")[0] == kind]
    ranked = sorted(nodes, key=lambda r: r["execution_time"], reverse=True)[:n]
    return [{"node": r["unique_id"].split(".", 2)[-1], "seconds": round(r["execution_time"], 2)} for r in ranked]


def seconds_by_kind(results: list[dict]) -> dict[str, float]:
    """Sum of dbt's execution time per resource type (with several dbt threads these overlap)."""
    totals: dict[str, float] = defaultdict(float)
    for r in results:
        totals[r["unique_id"].split(".")[0]] += r["execution_time"]
    return {kind: round(seconds, 1) for kind, seconds in sorted(totals.items())}


# the propensity models (issue 29): their training set, training and validation, refit and scoring
PROPENSITY_STEPS = {
    "int_propensity_snapshots": "snapshot dates",
    "int_customer_feature_snapshots": "training set (feature snapshots)",
    "int_propensity_validation": "training and out-of-time validation",
    "int_propensity_scoring_models": "refit of the chosen models",
    "customer_propensity": "scoring of every customer",
}


def propensity_seconds(results: list[dict]) -> dict:
    """dbt's execution time of each propensity step, their total and its share of all nodes' time."""
    by_model = {
        r["unique_id"].split(".")[-1]: r["execution_time"] for r in results if r["unique_id"].startswith("model.")
    }
    steps = {name: round(by_model[name], 2) for name in PROPENSITY_STEPS if name in by_model}
    everything = sum(r["execution_time"] for r in results)
    total = sum(steps.values())
    return {"steps": steps, "total": round(total, 2), "share": round(total / everything, 4) if everything else 0.0}


def node_seconds(target: Path, unique_id: str) -> float:
    """Execution time dbt recorded for one node (the query itself, without dbt's start-up)."""
    return next(r["execution_time"] for r in run_results(target) if r["unique_id"] == unique_id)


def publishing_seconds(warehouse: Path, work: Path) -> tuple[float, float, int, str | None]:
    """Seconds to make the working copy and to checkpoint and swap it in (src/audience/publish.py),
    the file's size, and how the copy was made (a clone or a full copy)."""
    published = Published(warehouse=warehouse, exports=work / "exports_published")
    size = warehouse.stat().st_size
    started = time.perf_counter()
    working, method = prepare_working_copy(published)
    copied = time.perf_counter() - started
    folder = new_export_folder(published, "bench")
    started = time.perf_counter()
    publish(published, working, folder)
    return copied, time.perf_counter() - started, size, method


def lifetimes_summary_seconds(warehouse: Path, runs: int) -> tuple[float, int]:
    """Median seconds of lifetimes' RFM summary on the purchases the warehouse's customer_rfm used."""
    from lifetimes.utils import summary_data_from_transaction_data

    with duckdb.connect(str(warehouse), read_only=True) as con:
        purchases = con.execute(
            "select customer_key, purchased_at, revenue::double as revenue from intermediate.int_customer_purchases"
        ).df()
        as_of = con.execute("select as_of_date from intermediate.int_as_of_date").fetchall()[0][0]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        summary_data_from_transaction_data(
            purchases,
            "customer_key",
            "purchased_at",
            monetary_value_col="revenue",
            observation_period_end=str(as_of),
            freq="D",
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times), len(purchases)


COPY_METHODS = {
    "clone": " (a copy-on-write clone)",
    "copy": " (a full copy: no copy-on-write clones on this file system)",
}


def phase_rows(report: dict) -> list[str]:
    """The phase table's rows, for the phases that ran (a failed phase's figures are up to its failure)."""
    p, m = report["phases_seconds"], report["peak_memory_mib"]
    labels = {
        "generate": "generate (day D)",
        "full_build": "full build: `dbt build`, models and tests",
        "baseline_full_build": "the baseline's full build (`--baseline`), models and tests",
        "generate_next_day": "generate (day D+1)",
        "incremental_build": f"daily micro-batch: `dbt build` after one day but its tests (median of {report['runs']})",
        "baseline_incremental_build": f"the baseline's daily micro-batch but its tests (median of {report['runs']})",
        "incremental_tests": f"the daily micro-batch's tests (median of {report['runs']})",
        "baseline_incremental_tests": f"the baseline's daily micro-batch's tests (median of {report['runs']})",
        "generate_hourly": "generate (day D+2 up to 1:00, an hourly micro-batch)",
        "hourly_build": "hourly micro-batch, after the daily one: `dbt build` after one hour but its tests "
        "(start, models, exports)",
        "baseline_hourly_build": "the baseline's hourly micro-batch but its tests",
        "hourly_tests": "the hourly micro-batch's tests (event tables: the recent loads)",
        "baseline_hourly_tests": "the baseline's hourly micro-batch's tests",
        "publish_copy": "publishing around the build: working copy of the warehouse"
        + COPY_METHODS.get(report.get("publish_copy_method"), ""),
        "publish_swap": "publishing: checkpoint and atomic rename",
        "full_refresh_next_day": "full refresh on day D+1 (to compare)",
    }
    return [
        f"| {label} | {p[key]:.1f} |{f' {m[key]:,.0f} MiB ' if key in m else ' '}|"
        for key, label in labels.items()
        if key in p
    ]


def micro_batch_lines(batches: list[dict] | None) -> list[str]:
    """The micro-batches end to end and their shares of the full build (issue 30's targets: hourly at most
    6% and 30 s, daily at most 10% and 45 s, at 1M)."""
    if not batches:
        return []
    lines = [
        "Micro-batches end to end (one `dbt build` and its exports, on the parse the run before left: its "
        "tests, the rest; then publishing), seconds, and as a share of the full build's time by the same code:",
        "",
        "| code | batch | start, models, exports | of which exports | tests | publishing | total | of the full build |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {b['code']} | {b['batch']} | {b['build']:.1f} | {b['exports']:.1f} | {b['tests']:.1f} | "
        f"{b['publishing']:.1f} | {b['total']:.1f} | {b['share_of_full_build']:.1%} |"
        for b in batches
    ]
    return [*lines, ""]


def baseline_lines(baseline: dict | None) -> list[str]:
    """The report's comparison with ``--baseline``: times and ratios, then the models that changed most."""
    if not baseline:
        return []
    times = [
        f"{label} {baseline[phase]['old']:.1f} s -> {baseline[phase]['new']:.1f} s "
        f"(new / old = {baseline[phase]['new_over_old']:.2f})"
        for phase, label in (
            ("full_build", "full build"),
            ("hourly_build", "hourly micro-batch but its tests"),
            ("hourly_tests", "its tests"),
            ("incremental_build", "daily micro-batch but its tests"),
            ("incremental_tests", "its tests"),
        )
        if phase in baseline
    ]
    lines = [
        f"Against the baseline `{baseline['ref']}` ({baseline['commit'][:10]}) on the same data: {'; '.join(times)}."
    ]
    if "incremental_over_full" in baseline:
        share = baseline["incremental_over_full"]
        lines[0] += (
            f" The daily micro-batch but its tests takes {share['old']:.1%} of the full build's time before, "
            f"{share['new']:.1%} now."
        )
    lines.append("")
    for build in ("full", "incremental"):
        changes = baseline.get(f"{build}_build_model_changes")
        if changes:
            lines += [f"| model ({build} build), largest changes | old, seconds | new, seconds |", "|---|---|---|"]
            lines += [f"| {c['node']} | {c['old']} | {c['new']} |" for c in changes]
            lines.append("")
    return lines


def markdown(report: dict) -> str:
    lines = [
        f"# Benchmark: {report['customers']:,} customers, {report['raw_rows']:,} raw rows",
        "",
        f"Machine: {report['machine']}. DuckDB threads {report['duckdb_threads']}, "
        f"memory_limit {report['duckdb_memory_limit']}, dbt threads {report['dbt_threads']}. "
        f"dbt-core {report['versions']['dbt']}, DuckDB {report['versions']['duckdb']}.",
        "",
        "| phase | seconds | peak memory (of the process) |",
        "|---|---|---|",
        *phase_rows(report),
    ]
    failed = report.get("full_build_failed")
    if failed:
        lines += [
            "",
            f"**The full build failed** on {', '.join(f'`{node}`' for node in failed['nodes'])} "
            f"({failed['skipped']} nodes skipped; see `{failed['log']}`): its time and memory are up to "
            "the failure, and the later phases did not run.",
        ]
    later = report.get("later_phase_failed")
    if later:
        lines += [
            "",
            f'**The phase "{later["phase"]}" failed** ({later["error"]}): the figures below are those of '
            "the phases before it; the later ones did not run.",
        ]
    lines += [
        "",
        f"Warehouse file after the full build: {report['warehouse_gib_after_full_build']:.1f} GiB"
        + (
            f", after the incremental build: {report['warehouse_gib_after_incremental_build']:.1f} GiB. "
            if "warehouse_gib_after_incremental_build" in report
            else ". "
        )
        + f"Throughput of the full build: {report['raw_rows_per_second']:,.0f} raw rows per second. "
        "dbt's execution time by resource type in the full build (threads overlap): "
        f"{report['full_build_seconds_by_kind']}.",
        "",
    ]
    verify = report.get("incremental_vs_full_refresh")
    if verify:
        differing = {k: v for k, v in verify["differing_rows"].items() if v}
        lines += [
            f"Incremental equals full refresh: {'yes' if not differing else 'NO'} "
            f"({verify['relations']} tables and views of {', '.join(COMPARED_SCHEMAS)} compared"
            + (f"; differing rows: {differing}" if differing else ", no row differs")
            + f", doubles to {FLOAT_DECIMALS} decimals). Not compared, because they keep history across builds: "
            + ", ".join(f"`{name}`" for name in verify["skipped_history"])
            + ".",
            "",
        ]
    lines += micro_batch_lines(report.get("micro_batches"))
    lines += baseline_lines(report.get("baseline"))
    rfm = report.get("rfm")
    if rfm:
        lines += [
            f"RFM / CLV inputs on {rfm['purchases']:,} purchases (medians of {report['runs']}): "
            f"model `customer_rfm` (its execution time in dbt) {rfm['dbt_customer_rfm_seconds']:.2f} s, "
            f"lifetimes `summary_data_from_transaction_data` {rfm['lifetimes_seconds']:.2f} s "
            f"(lifetimes / ours = {rfm['ratio']:.1f}x).",
            "",
        ]
    if report.get("daily_builds"):
        lines += [
            "Daily builds after D + 1 (each on the warehouse the day before left; models, no tests; "
            "file size and its used part after a checkpoint):",
            "",
            "| day | incremental build, seconds | peak memory | warehouse file | used |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {d['day']} | {d['incremental_build_seconds']:.1f} | {d['peak_memory_mib']:,} MiB | "
            f"{d['warehouse_gib']:.2f} GiB | {d['used_gib']:.2f} GiB |"
            for d in report["daily_builds"]
        ]
        lines.append("")
    for build in ("full", "incremental"):
        propensity = report.get(f"propensity_{build}_build")
        if propensity and propensity["steps"]:
            steps = ", ".join(f"{PROPENSITY_STEPS[n]} {v:.1f} s" for n, v in propensity["steps"].items())
            lines += [
                f"Propensity models in the {build} build: {propensity['total']:.1f} s, "
                f"{propensity['share']:.1%} of dbt's execution time ({steps}).",
                "",
            ]
    tables = [("model (full build)", report["slowest_models"]), ("test (full build)", report["slowest_tests"])]
    if "slowest_incremental_models" in report:
        tables.append(("model (incremental build)", report["slowest_incremental_models"]))
    lines += ["Slowest models and tests (dbt's execution time of each node):", ""]
    for title, rows in tables:
        lines += [f"| {title} | seconds |", "|---|---|"]
        lines += [f"| {r['node']} | {r['seconds']} |" for r in rows]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="repetitions of the short phases (median)")
    parser.add_argument("--work", type=Path, default=PROJECT_DIR / "bench" / "work")
    parser.add_argument("--results", type=Path, default=PROJECT_DIR / "bench" / "results")
    parser.add_argument("--full-build-only", action="store_true", help="generate and one full build, nothing else")
    parser.add_argument("--days", type=int, default=0, help="daily incremental builds after D + 1 (phase 7)")
    parser.add_argument("--baseline", help="a git ref: also time the project as it was there, on the same data")
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

    generate_log = args.work / "generate.log"
    phases["generate"], memory["generate"], raw_rows = generate_extract(
        args.customers, day_d.isoformat(), raw, env, generate_log
    )

    failure = None
    try:
        phases["full_build"], memory["full_build"] = run_build(["build"], env, target)
    except CommandFailedError as failed:
        # report what ran (dbt writes run_results.json on failure too); the later phases need a built warehouse
        failure = failed
        phases["full_build"], memory["full_build"] = failed.seconds, failed.peak_mib
        if not (target / "run_results.json").exists():
            raise
    full_results = run_results(target)
    baseline = None
    if args.baseline and failure is None:
        folder = args.work / "baseline"
        commit = baseline_tree(args.baseline, folder)
        baseline = {"ref": args.baseline, "commit": commit, "env": baseline_env(env, folder, args.work)}
        baseline["target"] = args.work / "baseline_target"
        baseline["target"].mkdir()
        phases["baseline_full_build"], memory["baseline_full_build"] = run_build(
            ["build"], baseline["env"], baseline["target"]
        )
        baseline["full_results"] = run_results(baseline["target"])

    report = {
        "customers": args.customers,
        "raw_rows": raw_rows,
        "runs": args.runs,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "duckdb_threads": os.environ.get("AUDIENCE_DUCKDB_THREADS", "2"),
        "duckdb_memory_limit": os.environ.get("AUDIENCE_DUCKDB_MEMORY_LIMIT", "3GB"),
        "dbt_threads": os.environ.get("AUDIENCE_DBT_THREADS", "1"),
        "versions": {"duckdb": duckdb.__version__, "dbt": _dbt_version()},
        "phases_seconds": phases,
        "peak_memory_mib": memory,
        "raw_rows_per_second": raw_rows / phases["full_build"],
        "warehouse_gib_after_full_build": warehouse.stat().st_size / 2**30,
        "full_build_seconds_by_kind": seconds_by_kind(full_results),
        "slowest_models": slowest(full_results, "model"),
        "slowest_tests": slowest(full_results, "test"),
        "propensity_full_build": propensity_seconds(full_results),
    }
    if failure is not None:
        report["full_build_failed"] = {
            "log": str(failure.log_path),
            "nodes": [r["unique_id"] for r in full_results if r["status"] in ("error", "fail")],
            "skipped": sum(r["status"] == "skipped" for r in full_results),
        }
    elif not args.full_build_only:
        try:
            after_full_build(args, day_d, env, phases, memory, warehouse, target, report, baseline)
        except (CommandFailedError, OSError, duckdb.Error) as error:
            # what the finished phases measured is already in the report: write it
            failed_phase = next(label for key, label in LATER_PHASES if key not in phases and key not in report)
            report["later_phase_failed"] = {"phase": failed_phase, "error": str(error)}
    if baseline is not None:
        report["baseline"] = baseline_summary(baseline, phases, full_results)
    report["phases_seconds"] = {k: round(v, 2) for k, v in phases.items()}
    report["peak_memory_mib"] = {k: round(v) for k, v in memory.items()}
    stamp = time.strftime("%Y%m%dT%H%M%S")
    name = f"{stamp}-{args.customers}"
    # one report per scale: the latest (git history keeps the earlier ones)
    for earlier in args.results.glob(f"*-{args.customers}.*"):
        if earlier.suffix in (".json", ".md"):
            earlier.unlink()
    (args.results / f"{name}.json").write_text(json.dumps(report, indent=2))
    text = markdown(report)
    (args.results / f"{name}.md").write_text(text)
    (args.results / "latest.md").write_text(text)
    print(text)
    return 1 if failure is not None or "later_phase_failed" in report else 0


def baseline_summary(baseline: dict, phases: dict[str, float], full_results: list[dict]) -> dict:
    """The baseline's times next to the new code's, as ratios (for the phases both ran)."""
    summary = {"ref": baseline["ref"], "commit": baseline["commit"]}
    for phase in ("full_build", "hourly_build", "hourly_tests", "incremental_build", "incremental_tests"):
        if f"baseline_{phase}" in phases and phase in phases:
            summary[phase] = {"old": phases[f"baseline_{phase}"], "new": phases[phase]}
            summary[phase]["new_over_old"] = phases[phase] / phases[f"baseline_{phase}"]
    if "incremental_build" in summary:
        summary["incremental_over_full"] = {
            code: summary["incremental_build"][code] / summary["full_build"][code] for code in ("old", "new")
        }
    summary["full_build_model_changes"] = model_changes(baseline["full_results"], full_results)
    if "incremental_results" in baseline:
        summary["incremental_build_model_changes"] = model_changes(
            baseline["incremental_results"], baseline["new_incremental_results"]
        )
    return summary


def after_full_build(
    args: argparse.Namespace,
    day_d: date,
    env: dict[str, str],
    phases: dict[str, float],
    memory: dict[str, float],
    warehouse: Path,
    target: Path,
    report: dict,
    baseline: dict | None = None,
) -> None:
    """Phases 3 to 7 (next day, incremental build and its tests, the hour after it, daily builds, publishing, full
    refresh and comparison, RFM), each adding its figures to ``report`` (and ``phases``, ``memory``) as it finishes.

    The keys are those of LATER_PHASES, from which the report tells which phase failed.
    """
    raw, full_refresh = args.work / "raw", args.work / "full_refresh.duckdb"
    generate_log = args.work / "generate.log"
    next_day = (day_d + timedelta(days=1)).isoformat()
    phases["generate_next_day"], memory["generate_next_day"], _ = generate_extract(
        args.customers, next_day, raw, env, generate_log
    )
    copy_after_full_build = args.work / "after_full_build.duckdb"
    shutil.copyfile(warehouse, copy_after_full_build)
    if baseline is not None:
        baseline_warehouse = Path(baseline["env"]["AUDIENCE_DUCKDB_PATH"])
        baseline_after_full_build = args.work / "baseline_after_full_build.duckdb"
        shutil.move(baseline_warehouse, baseline_after_full_build)
    new_runs: list[tuple[float, float, float, float]] = []
    old_runs: list[tuple[float, float, float, float]] = []
    for _ in range(args.runs):
        shutil.copyfile(copy_after_full_build, warehouse)
        new_runs.append(micro_batch(env, target))
        if baseline is not None:  # right after the new code's run, on the same data
            shutil.copyfile(baseline_after_full_build, baseline_warehouse)
            old_runs.append(micro_batch(baseline["env"], baseline["target"]))
    copy_after_full_build.unlink()
    for prefix, runs in (("", new_runs), ("baseline_", old_runs)):
        if runs:
            phases[f"{prefix}incremental_build"] = statistics.median(run[0] for run in runs)
            phases[f"{prefix}incremental_tests"] = statistics.median(run[1] for run in runs)
            phases[f"{prefix}incremental_exports"] = statistics.median(run[2] for run in runs)
            memory[f"{prefix}incremental_build"] = max(run[3] for run in runs)
    if baseline is not None:
        baseline_after_full_build.unlink()
        baseline["incremental_results"] = run_results(baseline["target"])
    report["incremental_build_runs_seconds"] = [round(run[0], 2) for run in new_runs]
    report["slowest_incremental_models"] = slowest(run_results(target), "model")
    if baseline is not None:
        baseline["new_incremental_results"] = run_results(target)
    report["propensity_incremental_build"] = propensity_seconds(run_results(target))
    hour_day = (day_d + timedelta(days=2)).isoformat()
    hourly_batch(args, hour_day, env, warehouse, target, phases, memory, baseline)
    if baseline is not None:
        Path(baseline["env"]["AUDIENCE_DUCKDB_PATH"]).unlink()
    # before the phases that load data into this process: a child's peak memory counts from the fork
    report["daily_builds"] = daily_builds(args, day_d, env, warehouse, target)

    phases["publish_copy"], phases["publish_swap"], warehouse_bytes, report["publish_copy_method"] = publishing_seconds(
        warehouse, args.work
    )
    report["warehouse_gib_after_incremental_build"] = warehouse_bytes / 2**30
    report["micro_batches"] = micro_batches(phases)

    refresh_env = dict(
        env, AUDIENCE_DUCKDB_PATH=str(full_refresh), AUDIENCE_EXPORTS_DIR=str(args.work / "exports_full")
    )
    # with the incremental build's kept propensity fit, so both score with the same fitted models
    copy_kept_fit(warehouse, full_refresh)
    keep_fit = ["--vars", json.dumps(KEEP_FIT_VARS)]
    phases["full_refresh_next_day"], _ = run_build(
        ["build", *NO_TESTS, "--full-refresh", *keep_fit], refresh_env, target
    )
    report["incremental_vs_full_refresh"] = compare_warehouses(warehouse, full_refresh, history_dependent(target))
    full_refresh.unlink()

    rfm_runs = []
    for _ in range(args.runs):
        run_dbt(["run", "-s", "customer_rfm"], env, target)
        rfm_runs.append(node_seconds(target, "model.audience_warehouse.customer_rfm"))
    lifetimes_seconds, purchases = lifetimes_summary_seconds(warehouse, args.runs)
    rfm_seconds = statistics.median(rfm_runs)
    report["rfm"] = {
        "purchases": purchases,
        "dbt_customer_rfm_seconds": rfm_seconds,
        "lifetimes_seconds": lifetimes_seconds,
        "ratio": lifetimes_seconds / rfm_seconds,
    }


def builds_in(env: dict[str, str], warehouse: Path, raw: Path, exports: Path) -> dict[str, str]:
    """``env`` for builds of another warehouse from another extract, with their own exports."""
    return dict(env, AUDIENCE_DUCKDB_PATH=str(warehouse), AUDIENCE_RAW_DIR=str(raw), AUDIENCE_EXPORTS_DIR=str(exports))


def hourly_batch(
    args: argparse.Namespace,
    hour_day: str,
    env: dict[str, str],
    warehouse: Path,
    target: Path,
    phases: dict[str, float],
    memory: dict[str, float],
    baseline: dict | None,
) -> None:
    """The hourly micro-batch (phase 3, after the daily one). The rows loaded in the first hour of ``hour_day``
    (D + 2) are built (``micro_batch``) on a copy of the warehouse and the exports the daily micro-batch left, by
    the new code and then by the baseline's on its own (the later phases need the D + 1 warehouse)."""
    raw, hourly, exports = args.work / "raw_hourly", args.work / "hourly.duckdb", args.work / "exports_hourly"
    phases["generate_hourly"], memory["generate_hourly"], _ = generate_extract(
        args.customers, hour_day, raw, env, args.work / "generate.log", end_hour=1
    )
    builds = [("", env, target, warehouse)]
    if baseline is not None:
        builds.append(("baseline_", baseline["env"], baseline["target"], Path(baseline["env"]["AUDIENCE_DUCKDB_PATH"])))
    for prefix, code_env, code_target, daily_warehouse in builds:
        shutil.copyfile(daily_warehouse, hourly)
        daily_exports = Path(code_env["AUDIENCE_EXPORTS_DIR"])
        if daily_exports.exists():
            shutil.copytree(daily_exports, exports, copy_function=link_or_copy)
        hourly_env = builds_in(code_env, hourly, raw, exports)
        build, tests, exports_seconds, peak = micro_batch(hourly_env, code_target)
        phases[f"{prefix}hourly_build"], phases[f"{prefix}hourly_tests"] = build, tests
        phases[f"{prefix}hourly_exports"], memory[f"{prefix}hourly_build"] = exports_seconds, peak
        hourly.unlink()
        shutil.rmtree(exports, ignore_errors=True)
    shutil.rmtree(raw)


def micro_batches(phases: dict[str, float]) -> list[dict]:
    """Each micro-batch end to end, as the issue counts it: dbt's start, the models and their exports, the tests,
    and publishing (the working copy and the swap, measured once on the D + 1 warehouse), and its share of the full
    build's time (models and tests) by the same code."""
    publishing = phases["publish_copy"] + phases["publish_swap"]
    rows = []
    for code, prefix in (("new", ""), ("old", "baseline_")):
        for batch, phase in (("hourly", "hourly"), ("daily", "incremental")):
            build, tests = phases.get(f"{prefix}{phase}_build"), phases.get(f"{prefix}{phase}_tests")
            if build is None or tests is None or f"{prefix}full_build" not in phases:
                continue
            total = build + tests + publishing
            rows.append(
                {
                    "code": code,
                    "batch": batch,
                    "build": round(build, 2),
                    "exports": round(phases[f"{prefix}{phase}_exports"], 2),
                    "tests": round(tests, 2),
                    "publishing": round(publishing, 2),
                    "total": round(total, 2),
                    "share_of_full_build": round(total / phases[f"{prefix}full_build"], 4),
                }
            )
    return rows


def used_blocks_after_checkpoint(warehouse: Path) -> tuple[int, int]:
    """(block size, used blocks) of the file after a checkpoint, in a subprocess: this one stays small."""
    code = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1]); con.execute('checkpoint'); "
        "print(*con.execute('select block_size, used_blocks from pragma_database_size()').fetchone())"
    )
    out = subprocess.run([sys.executable, "-c", code, str(warehouse)], check=True, capture_output=True, text=True)
    block_size, used_blocks = out.stdout.split()
    return int(block_size), int(used_blocks)


def daily_builds(
    args: argparse.Namespace, day_d: date, env: dict[str, str], warehouse: Path, target: Path
) -> list[dict]:
    """Phase 7: days D + 2 to D + 1 + ``--days``, on a copy of the D + 1 warehouse (later phases need that one)."""
    if args.days < 1:
        return []
    daily, raw = args.work / "daily.duckdb", args.work / "raw_daily"
    shutil.copyfile(warehouse, daily)
    daily_env = builds_in(env, daily, raw, args.work / "exports_daily")
    days = []
    for k in range(2, args.days + 2):
        day = day_d + timedelta(days=k)
        generate_extract(args.customers, day.isoformat(), raw, daily_env, args.work / "generate.log")
        seconds, peak = run_build(["build", *NO_TESTS], daily_env, target)
        block_size, used_blocks = used_blocks_after_checkpoint(daily)
        days.append(
            {
                "day": day.isoformat(),
                "incremental_build_seconds": round(seconds, 2),
                "peak_memory_mib": round(peak),
                "warehouse_gib": daily.stat().st_size / 2**30,
                "used_gib": block_size * used_blocks / 2**30,
            }
        )
    daily.unlink()
    shutil.rmtree(raw)
    return days


def _dbt_version() -> str:
    from importlib.metadata import version

    return version("dbt-core")


if __name__ == "__main__":
    raise SystemExit(main())
