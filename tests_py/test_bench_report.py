"""The benchmark's report when a phase fails: what ran is written, the failure is named, the exit status is 1.

dbt and the generator are replaced by stubs: these tests check the
benchmark's bookkeeping, not the pipeline, and time nothing.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import duckdb
import pytest

from audience import compare

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench.py"


@pytest.fixture
def bench():
    spec = importlib.util.spec_from_file_location("bench_under_test", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _node(unique_id: str, seconds: float, status: str = "success") -> dict:
    return {"unique_id": unique_id, "execution_time": seconds, "status": status}


@pytest.fixture
def stubbed(bench, monkeypatch, tmp_path):
    """Every command stubbed: each dbt call records its arguments and 'takes' 10 s (1 s of it a test), its exports
    none."""
    calls: list[list[str]] = []
    starts: list[tuple[list[str], str, str | None]] = []
    extracts: list[tuple[str, str, int]] = []
    results = [
        _node("model.audience_warehouse.int_email_events_validated", 4.0),
        _node("model.audience_warehouse.int_propensity_validation", 3.0),
        _node("model.audience_warehouse.customer_propensity", 1.0),
        _node("test.audience_warehouse.t", 1.0),
    ]

    def generate_extract(customers, end_date, raw, env, log, end_hour=24):
        raw.mkdir(parents=True, exist_ok=True)
        extracts.append((raw.name, end_date, end_hour))
        return 2.0, 100.0, 1_234

    def run_dbt(args, env, target):
        calls.append(args)
        (target / "run_results.json").write_text(json.dumps({"results": results}))
        # each build leaves a warehouse of its own: the extract it read and its place among the calls
        warehouse = Path(env["AUDIENCE_DUCKDB_PATH"])
        starts.append((args, Path(env["AUDIENCE_RAW_DIR"]).name, warehouse.read_text() if warehouse.exists() else None))
        warehouse.write_text(f"{Path(env['AUDIENCE_RAW_DIR']).name} {len(calls)}".ljust(1024))
        return 10.0, 500.0

    monkeypatch.setattr(bench, "generate_extract", generate_extract)
    monkeypatch.setattr(bench, "run_dbt", run_dbt)
    monkeypatch.setattr(bench, "run_export", lambda env, target, full_refresh: (0.0, 0.0))
    monkeypatch.setattr(bench, "_dbt_version", lambda: "1.11")
    monkeypatch.setattr(bench, "publishing_seconds", lambda warehouse, work: (1.0, 0.5, 2**30, "copy"))
    monkeypatch.setattr(bench, "history_dependent", lambda target: set())
    monkeypatch.setattr(bench, "copy_kept_fit", lambda source, target: [])
    args = ["--customers", "1000", "--runs", "1", "--work", str(tmp_path / "work"), "--results", str(tmp_path / "out")]
    bench.extracts, bench.starts = extracts, starts
    return bench, calls, args, tmp_path / "out"


# the phases a run without a baseline times, in the order they run (up to the full refresh)
PHASES = (
    "generate",
    "full_build",
    "generate_next_day",
    "incremental_build",
    "incremental_tests",
    "incremental_exports",
    "generate_hourly",
    "hourly_build",
    "hourly_tests",
    "hourly_exports",
    "publish_copy",
    "publish_swap",
    "full_refresh_next_day",
)


def phases_up_to(last: str) -> set[str]:
    return set(PHASES[: PHASES.index(last) + 1])


def _report(results: Path) -> tuple[dict, str]:
    [json_file] = results.glob("*-1000.json")
    return json.loads(json_file.read_text()), (results / "latest.md").read_text()


def test_a_failed_comparison_still_writes_what_the_earlier_phases_measured(stubbed, monkeypatch) -> None:
    bench, calls, args, results = stubbed

    def out_of_disk(incremental, full, skip):
        raise duckdb.IOException("Could not write file: No space left on device")

    monkeypatch.setattr(bench, "compare_warehouses", out_of_disk)
    assert bench.main(args) == 1
    report, text = _report(results)
    assert report["later_phase_failed"]["phase"] == "comparison of the incremental build with the full refresh"
    assert "No space left on device" in report["later_phase_failed"]["error"]
    # the phases before the failure are all there, the ones after it are not
    assert set(report["phases_seconds"]) == phases_up_to("full_refresh_next_day")
    assert "incremental_vs_full_refresh" not in report and "rfm" not in report
    assert report["slowest_incremental_models"][0]["node"] == "int_email_events_validated"
    assert '**The phase "comparison of the incremental build with the full refresh" failed**' in text
    # a micro-batch's 10 s: 1 s of tests (dbt's execution time of the test nodes), 9 s for the rest
    assert "| daily micro-batch: `dbt build` after one day but its tests (median of 1) | 9.0 | 500 MiB |" in text
    assert "| the daily micro-batch's tests (median of 1) | 1.0 | |" in text
    assert "| full refresh on day D+1 (to compare) | 10.0 | |" in text
    assert "Incremental equals full refresh" not in text
    assert ["run", "-s", "customer_rfm"] not in calls  # nothing ran after the failure


@pytest.mark.parametrize(
    ("failing_raw", "phase", "phases_before"),
    [
        ("raw_hourly", "hourly micro-batch", phases_up_to("generate_hourly")),
        ("raw", "incremental build", phases_up_to("generate_next_day")),
    ],
)
def test_a_failed_incremental_build_names_that_phase(stubbed, monkeypatch, failing_raw, phase, phases_before) -> None:
    bench, calls, args, results = stubbed
    full_build_stub = bench.run_dbt

    def incremental_fails(dbt_args, env, target):
        incremental = dbt_args == bench.MICRO_BATCH_BUILD
        if incremental and Path(env["AUDIENCE_RAW_DIR"]).name == failing_raw:
            raise bench.CommandFailedError(["dbt", *dbt_args], target / "dbt.log", 3.0, 200.0)
        return full_build_stub(dbt_args, env, target)

    monkeypatch.setattr(bench, "run_dbt", incremental_fails)
    assert bench.main(args) == 1
    report, text = _report(results)
    assert report["later_phase_failed"]["phase"] == phase
    assert set(report["phases_seconds"]) == phases_before
    assert "hourly micro-batch," not in text
    # no micro-batch ran after the failure (the daily one did, when the hourly build failed)
    daily_ran = "incremental_tests" in phases_before
    assert ("| daily micro-batch:" in text) == daily_ran
    assert calls.count(bench.MICRO_BATCH_BUILD) == daily_ran
    assert "micro_batches" not in report


def test_a_run_where_every_phase_finishes_exits_0_with_the_whole_report(stubbed, monkeypatch) -> None:
    bench, calls, args, results = stubbed
    monkeypatch.setattr(
        bench,
        "compare_warehouses",
        lambda incremental, full, skip: {"relations": 2, "differing_rows": {"a": 0, "b": 0}, "skipped_history": []},
    )
    monkeypatch.setattr(bench, "lifetimes_summary_seconds", lambda warehouse, runs: (7.0, 5_000))
    monkeypatch.setattr(bench, "node_seconds", lambda target, unique_id: 2.0)

    exported: list[tuple[str, list[str]]] = []

    # a micro-batch's exports take 2 s (the other builds' none); each run finds the files in its folder and adds one
    def run_export(env, target, full_refresh):
        folder, raw = Path(env["AUDIENCE_EXPORTS_DIR"]), Path(env["AUDIENCE_RAW_DIR"]).name
        folder.mkdir(parents=True, exist_ok=True)
        exported.append((raw, sorted(path.name for path in folder.iterdir())))
        (folder / f"{raw}-{len(exported)}").write_text("rows")
        return (2.0 if calls[-1] == bench.MICRO_BATCH_BUILD else 0.0), 0.0

    monkeypatch.setattr(bench, "run_export", run_export)
    assert bench.main(args) == 0
    report, text = _report(results)
    assert "later_phase_failed" not in report
    assert report["rfm"]["ratio"] == pytest.approx(3.5)
    assert "Incremental equals full refresh: yes" in text
    assert "(lifetimes / ours = 3.5x)" in text
    assert ["run", "-s", "customer_rfm"] in calls
    # each micro-batch is one dbt build, models and data tests, with the event tables' tests on the recent loads
    # and without the unit tests (as a schedule runs it), right after an untimed parse of the same vars (what the
    # run before left)
    settings = ["--vars", '{"tests_on_recent_loads_hours": 96}']
    micro = ["build", "--exclude-resource-type", "unit_test", *settings]
    assert calls.count(micro) == 2
    assert all(calls[i - 1] == ["parse", *settings] for i, call in enumerate(calls) if call == micro)
    assert not any(call[0] == "test" for call in calls)
    # the propensity models' time: 3 + 1 of the 9 s the nodes took
    assert report["propensity_full_build"]["total"] == pytest.approx(4.0)
    assert (
        "Propensity models in the full build: 4.0 s, 44.4% of dbt's execution time "
        "(training and out-of-time validation 3.0 s, scoring of every customer 1.0 s)." in text
    )
    assert "Propensity models in the incremental build: 4.0 s" in text
    # the hourly micro-batch: the first hour of day D+2, on its own extract, built and tested after day D+1
    assert bench.extracts == [("raw", "2026-10-30", 24), ("raw", "2026-10-31", 24), ("raw_hourly", "2026-11-01", 1)]
    # ... on a copy of the warehouse the daily micro-batch's build left, with the exports its run wrote
    daily = next(i for i, (call, raw, _) in enumerate(bench.starts) if call == bench.MICRO_BATCH_BUILD and raw == "raw")
    hourly = next(i for i, (_, raw, _) in enumerate(bench.starts) if raw == "raw_hourly")
    assert bench.starts[hourly][0][0] == "parse" and bench.starts[hourly][2].strip() == f"raw {daily + 1}"
    assert exported[:3] == [("raw", []), ("raw", ["raw-1"]), ("raw_hourly", ["raw-1", "raw-2"])]
    assert report["phases_seconds"]["hourly_build"] == 11.0 and report["phases_seconds"]["hourly_tests"] == 1.0
    assert report["phases_seconds"]["hourly_exports"] == report["phases_seconds"]["incremental_exports"] == 2.0
    # end to end: 9 s for start and models and 2 s of exports, 1 s of tests, 1.5 s of publishing, against a 10 s
    # full build
    assert report["micro_batches"] == [
        {
            "code": "new",
            "batch": batch,
            "build": 11.0,
            "exports": 2.0,
            "tests": 1.0,
            "publishing": 1.5,
            "total": 13.5,
            "share_of_full_build": 1.35,
        }
        for batch in ("hourly", "daily")
    ]
    assert "| new | hourly | 11.0 | 2.0 | 1.0 | 1.5 | 13.5 | 135.0% |" in text
    # how the working copy was made
    assert report["publish_copy_method"] == "copy"
    assert (
        "| publishing around the build: working copy of the warehouse "
        "(a full copy: no copy-on-write clones on this file system) | 1.0 | |" in text
    )


def _warehouse(path: Path, rows: list[tuple]) -> None:
    with duckdb.connect(str(path)) as con:
        for schema in ("intermediate", "marts", "activation"):
            con.execute(f"create schema {schema}")
        con.execute("create table marts.facts (id integer, label varchar, amount double)")
        con.executemany("insert into marts.facts values (?, ?, ?)", rows)
        con.execute("create view activation.big_facts as select * from marts.facts where amount > 1")
        con.execute("create table intermediate.history as select * from marts.facts where id = 1")


@pytest.mark.parametrize("rows_per_comparison", [1_000_000, 3])
def test_the_comparison_counts_every_differing_row_whole_or_sliced(monkeypatch, tmp_path, rows_per_comparison):
    monkeypatch.setattr(compare, "ROWS_PER_COMPARISON", rows_per_comparison)
    rows = [(i, f"row {i}", i * 1.25) for i in range(10)]
    changed = [*rows[:3], (3, "row 3", 3.75 + 1e-9), (4, "changed", 5.0), *rows[5:], rows[9]]
    _warehouse(tmp_path / "incremental.duckdb", changed)
    _warehouse(tmp_path / "full.duckdb", rows)
    result = compare.compare_warehouses(tmp_path / "incremental.duckdb", tmp_path / "full.duckdb", {"history"})
    # row 3 differs below the rounding (equal), row 4 differs (one row each way), row 9 is there twice
    assert result["differing_rows"] == {"marts.facts": 3, "activation.big_facts": 3}
    assert result["relations"] == 2


def test_a_baseline_is_timed_on_the_same_data_and_reported_as_ratios(stubbed, monkeypatch) -> None:
    """--baseline REF: the baseline's builds run in its own project and warehouse, each after the new code's."""
    bench, _, args, results = stubbed
    monkeypatch.setattr(
        bench,
        "compare_warehouses",
        lambda incremental, full, skip: {"relations": 2, "differing_rows": {"a": 0}, "skipped_history": []},
    )
    monkeypatch.setattr(bench, "lifetimes_summary_seconds", lambda warehouse, runs: (7.0, 5_000))
    monkeypatch.setattr(bench, "node_seconds", lambda target, unique_id: 2.0)
    trees = []

    def baseline_tree(ref, folder):
        folder.mkdir(parents=True)
        trees.append(ref)
        return "0123456789abcdef"

    projects = []
    stub = bench.run_dbt

    def run_dbt(dbt_args, env, target):
        # the baseline (an older project): 20 s for its full build, 14 s for a micro-batch, 6 s of it tests
        projects.append(env["DBT_PROJECT_DIR"])
        seconds, peak = stub(dbt_args, env, target)
        if env["DBT_PROJECT_DIR"] != str(bench.PROJECT_DIR):
            hourly = Path(env["AUDIENCE_RAW_DIR"]).name == "raw_hourly"
            assert Path(env["AUDIENCE_DUCKDB_PATH"]).name == ("hourly.duckdb" if hourly else "baseline.duckdb")
            assert env["PYTHONPATH"] == str(Path(env["DBT_PROJECT_DIR"]) / "src")
            old_results = [_node("model.audience_warehouse.customer_propensity", 5.0), _node("test.x.t", 6.0)]
            (target / "run_results.json").write_text(json.dumps({"results": old_results}))
            return (14.0 if dbt_args == bench.MICRO_BATCH_BUILD else 20.0), peak
        return seconds, peak

    monkeypatch.setattr(bench, "baseline_tree", baseline_tree)
    monkeypatch.setattr(bench, "run_dbt", run_dbt)
    assert bench.main([*args, "--baseline", "v1"]) == 0
    report, text = _report(results)
    assert trees == ["v1"]
    baseline_projects = [p for p in projects if p != str(bench.PROJECT_DIR)]
    # one full build, an hourly and a daily micro-batch (--runs 1), each after its parse
    assert len(baseline_projects) == 5
    # the new code: 10 s for every build, 1 s of it a micro-batch's tests; the baseline 20 s, and 8 s + 6 s
    assert report["baseline"]["full_build"]["new_over_old"] == pytest.approx(0.5)
    assert report["baseline"]["incremental_build"]["new_over_old"] == pytest.approx(9 / 8)
    assert report["baseline"]["incremental_over_full"] == {"old": pytest.approx(0.4), "new": pytest.approx(0.9)}
    assert "full build 20.0 s -> 10.0 s (new / old = 0.50); hourly micro-batch but its tests 8.0 s -> 9.0 s" in text
    assert "daily micro-batch but its tests 8.0 s -> 9.0 s (new / old = 1.12); its tests 6.0 s -> 1.0 s" in text
    assert "takes 40.0% of the full build's time before, 90.0% now" in text
    assert report["baseline"]["incremental_tests"]["new_over_old"] == pytest.approx(1 / 6)
    # end to end, old: 8 s of models, 6 s of tests and 1.5 s of publishing against its 20 s full build
    old_batches = [b for b in report["micro_batches"] if b["code"] == "old"]
    assert [(b["batch"], b["total"], b["share_of_full_build"]) for b in old_batches] == [
        ("hourly", 15.5, 0.775),
        ("daily", 15.5, 0.775),
    ]
    # customer_propensity: 5 s in the baseline, 1 s now; the new models took 4 and 3 s and the baseline had none
    changes = {c["node"]: (c["old"], c["new"]) for c in report["baseline"]["incremental_build_model_changes"]}
    assert changes == {
        "customer_propensity": (5.0, 1.0),
        "int_email_events_validated": (0.0, 4.0),
        "int_propensity_validation": (0.0, 3.0),
    }
    assert "| customer_propensity | 5.0 | 1.0 |" in text
