"""Exports are written by publishing (audience.exports), from each model's meta.export; dbt writes no file."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from audience.exports import ExportSpec, export_specs, neutralized, rebuilt_models, write_by_day, write_partitioned
from conftest import PROJECT_DIR, run_dbt

FILE_SQL = ("copy ", "glob(", "read_parquet(", "read_csv(")


@pytest.fixture(scope="module")
def manifest(parsed_manifest: dict) -> dict:
    return parsed_manifest


def test_no_hook_or_macro_of_the_project_touches_files(manifest: dict) -> None:
    hooks = [
        (uid, hook["sql"])
        for uid, node in manifest["nodes"].items()
        for hook in node["config"].get("pre-hook", []) + node["config"].get("post-hook", [])
    ]
    assert hooks, "the project has hooks (erasure, reloads): the check must see them"
    assert [uid for uid, sql in hooks if any(word in sql.lower() for word in FILE_SQL)] == []
    project_macros = [m for m in manifest["macros"].values() if m["package_name"] == "audience_warehouse"]
    assert [m["name"] for m in project_macros if any(word in m["macro_sql"].lower() for word in FILE_SQL)] == []


def test_the_activation_tables_declare_their_exports(manifest: dict) -> None:
    specs = {spec.name: spec for spec in export_specs(manifest)}
    assert set(specs) == {
        "esp_contacts",
        "suppression_list",
        "segment_memberships",
        "segment_membership_changes",
        "segment_sizes",
        "personalization_triggers",
        "segment_list_exports",
    }
    assert specs["segment_list_exports"].partition_by == ("segment_type", "segment_key")
    changes = specs["segment_membership_changes"]
    assert (changes.by_day, changes.day_column, changes.keep_days) == ("changed_at", "changed_date", 14)


def test_keep_days_follows_the_var(tmp_path: Path) -> None:
    vars_ = json.dumps({"change_log_export_days": 3})
    result = run_dbt(["parse", "--vars", vars_], PROJECT_DIR / "data" / "raw", tmp_path / "p.duckdb", tmp_path / "t")
    assert result.returncode == 0, result.stdout[-3000:]
    specs = export_specs(json.loads((tmp_path / "t" / "manifest.json").read_text()))
    assert next(s for s in specs if s.name == "segment_membership_changes").keep_days == 3


def test_only_models_the_run_rebuilt_are_exported() -> None:
    results = {
        "results": [
            {"unique_id": "model.p.esp_contacts", "status": "success"},
            {"unique_id": "model.p.segment_sizes", "status": "error"},
            {"unique_id": "model.p.suppression_list", "status": "skipped"},
            {"unique_id": "test.p.unique_x", "status": "pass"},
        ]
    }
    assert rebuilt_models(results) == {"model.p.esp_contacts"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("\tx", "'\tx"),
        ("+1 555", "'+1 555"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Ann-Marie", "Ann-Marie"),
        (None, None),
    ],
)
def test_a_csv_cell_a_spreadsheet_would_run_gets_an_apostrophe(value: str | None, expected: str | None) -> None:
    con = duckdb.connect()
    con.execute("create table t (name varchar)")
    con.execute("insert into t values (?)", [value])
    assert con.execute(f"select {neutralized('name')} from t").fetchall() == [(expected,)]


def spec(name: str, **kwargs: object) -> ExportSpec:
    return ExportSpec(unique_id=f"model.p.{name}", name=name, relation=name, formats=("parquet", "csv"), **kwargs)


def test_a_partitioned_export_keeps_no_file_of_an_earlier_build(tmp_path: Path) -> None:
    """A partition that lost its rows, or every partition, leaves no file behind."""
    con = duckdb.connect()
    lists = spec("lists", partition_by=("kind",))

    def export(kinds: list[str]) -> dict[str, int]:
        con.execute("create or replace table lists (kind varchar, email varchar)")
        rows = [(kind, f"{n}@x.io") for kind in kinds for n in range({"a": 2, "b": 1}[kind])]
        if rows:
            con.executemany("insert into lists values (?, ?)", rows)
        write_partitioned(con, lists, tmp_path)
        counted: dict[str, int] = {}
        for path in (tmp_path / "lists").rglob("*.*"):
            reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
            n = duckdb.sql(f"select count(*) from {reader}('{path}')").fetchall()[0][0]
            key = path.parent.name + path.suffix
            counted[key] = counted.get(key, 0) + n
        return counted

    assert export(["a", "b"]) == {"kind=a.parquet": 2, "kind=a.csv": 2, "kind=b.parquet": 1, "kind=b.csv": 1}
    assert export(["a"]) == {"kind=a.parquet": 2, "kind=a.csv": 2}
    # without rows: no file at all (a list sync would otherwise import the last build's lists)
    assert export([]) == {}


def test_an_export_by_day_writes_changed_days_and_drops_those_that_left(tmp_path: Path) -> None:
    con = duckdb.connect()
    log = spec("log", by_day="changed_at", day_column="changed_date", keep_days=3)
    con.execute("create table log (external_id varchar, changed_at timestamp)")
    con.execute(
        "insert into log values ('a', '2026-10-01 09:00'), ('b', '2026-10-02 09:00'), ('c', '2026-10-03 09:00')"
    )

    def files() -> dict[str, int]:
        return {p.relative_to(tmp_path).as_posix(): p.stat().st_mtime_ns for p in tmp_path.rglob("*.*")}

    written, removed = write_by_day(con, log, tmp_path, date(2026, 10, 3), full_refresh=False)
    assert written == [f"log/changed_date=2026-10-0{d}/" for d in (1, 2, 3)] and removed == []
    first = files()
    # a day later: day 1 leaves the window; a row of day 2 is deleted (an erasure); day 4 appends
    con.execute("delete from log where external_id = 'b'")
    con.execute("insert into log values ('d', '2026-10-04 09:00')")
    written, removed = write_by_day(con, log, tmp_path, date(2026, 10, 4), full_refresh=False)
    assert written == ["log/changed_date=2026-10-04/"]
    assert removed == ["log/changed_date=2026-10-01", "log/changed_date=2026-10-02"]
    after = files()
    assert {p for p in after if "2026-10-03" in p} == {p for p in first if "2026-10-03" in p}
    assert all(after[p] == first[p] for p in after if "2026-10-03" in p)  # an unchanged day is not rewritten
    exported = duckdb.sql(
        f"select external_id, changed_date from read_parquet('{tmp_path}/log/*/*.parquet', hive_partitioning = true)"
    ).fetchall()
    assert sorted((e, str(d)) for e, d in exported) == [("c", "2026-10-03"), ("d", "2026-10-04")]
