"""Exports are written by publishing (audience.exports), from each model's meta.export; dbt writes no file."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from audience.exports import (
    ExportSpec,
    export_specs,
    neutralized,
    rebuilt_models,
    select_list,
    split_csv,
    write_by_day,
    write_lists,
)
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
    lists = specs["segment_list_exports"]
    assert (lists.lists_by, lists.esp, lists.max_file_bytes) == (("segment_type", "segment_key"), "klaviyo", 45_000_000)
    assert lists.headers[0] == ("email", "Email")
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


def list_spec(esp: str, max_file_bytes: int = 10_000) -> ExportSpec:
    headers = (("email", {"klaviyo": "Email", "mailchimp": "Email Address"}[esp]), ("note", "Note"))
    return spec("lists", lists_by=("kind", "key"), esp=esp, headers=headers, max_file_bytes=max_file_bytes)


def test_a_list_export_keeps_no_file_of_an_earlier_build(tmp_path: Path) -> None:
    """A list that lost its rows, every list, or another ESP's files: nothing of an earlier build stays."""
    con = duckdb.connect()

    def export(keys: list[tuple[str, str]], esp: str = "klaviyo") -> dict[str, list[list[str]]]:
        con.execute("create or replace table lists (kind varchar, key varchar, email varchar, note varchar)")
        rows = [(kind, key, f"{n}@x.io", "=1+1") for kind, key in keys for n in range(2)]
        if rows:
            con.executemany("insert into lists values (?, ?, ?, ?)", rows)
        write_lists(con, list_spec(esp), tmp_path)
        return {
            path.relative_to(tmp_path / "lists").as_posix(): list(csv.reader(path.open()))
            for path in (tmp_path / "lists").rglob("*.csv")
        }

    # readable file names from both keys (characters a file name should not hold become _)
    assert export([("rfm", "champions"), ("Trigger", "win back")]) == {
        "klaviyo/rfm-champions.csv": [["Email", "Note"], ["0@x.io", "'=1+1"], ["1@x.io", "'=1+1"]],
        "klaviyo/trigger-win_back.csv": [["Email", "Note"], ["0@x.io", "'=1+1"], ["1@x.io", "'=1+1"]],
    }
    assert set(export([("rfm", "champions")])) == {"klaviyo/rfm-champions.csv"}
    assert set(export([("rfm", "champions")], esp="mailchimp")) == {"mailchimp/rfm-champions.csv"}
    # without rows: no list at all (an ESP import would otherwise load the last build's list)
    assert export([]) == {}
    # two lists whose keys clean to the same name keep files of their own, told apart by their keys' MD5
    keys = ("Win Back", "win_back", "win'back")
    files = export([*(("trigger", key) for key in keys), ("rfm", "champions")])
    suffix = {key: hashlib.md5(f"trigger\x1f{key}".encode()).hexdigest()[:8] for key in keys}
    assert set(files) == {f"klaviyo/trigger-win_back-{suffix[key]}.csv" for key in keys} | {"klaviyo/rfm-champions.csv"}
    assert all(len(rows) == 3 for rows in files.values())


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out, lineterminator="\n").writerows(rows)


def test_a_file_over_the_limit_is_split_on_rows_each_part_with_the_header(tmp_path: Path) -> None:
    header = ["Email", "Note"]
    # quoted commas, quotes and a line break inside a cell, and text beyond ASCII (bytes, not characters, count)
    rows = [[f"{n}@x.io", f'line one, "two"\nthree ü{n}'] for n in range(40)]
    source = tmp_path / "source.csv"
    write_csv(source, [header, *rows])
    parts = split_csv(source, tmp_path / "list", 300)
    assert [p.name for p in parts] == [f"list-part-{n}.csv" for n in range(1, len(parts) + 1)] and len(parts) > 3
    read = []
    for part in parts:
        assert part.stat().st_size <= 300
        with part.open(newline="", encoding="utf-8") as rows_in:
            header_read, *part_rows = list(csv.reader(rows_in))
        assert header_read == header and part_rows
        read += part_rows
    assert read == rows and not source.exists()


def test_the_parts_keep_the_bytes_duckdb_wrote_cut_only_at_record_ends(tmp_path: Path) -> None:
    # DuckDB's own CSV: cells quoted only where needed, line feeds inside quoted cells, a row longer than the limit
    con = duckdb.connect()
    con.execute(
        """create table t as select
            n as id,
            case when n % 3 = 0 then 'a "quoted" note,' || chr(10) || 'on two lines ' || n else 'plain ' || n end
                as note,
            case when n = 50 then repeat('x', 400) else 'ü' end as other
        from range(200) as r(n)"""
    )
    source = tmp_path / "source.csv"
    con.execute(f"copy t to '{source}' (format csv, header true)")
    written = source.read_bytes()
    header = written[: written.index(b"\n") + 1]
    parts = split_csv(source, tmp_path / "list", 256)
    assert len(parts) > 10
    bodies, read = [], []
    for part in parts:
        data = part.read_bytes()
        assert data.startswith(header)
        # a part over the limit is the header and the one row longer than the limit
        assert len(data) <= 256 or data.count(b"\n") == 2
        with part.open(newline="", encoding="utf-8") as rows_in:
            read += list(csv.DictReader(rows_in))
        bodies.append(data[len(header) :])
    assert [(int(row["id"]), row["note"], row["other"]) for row in read] == con.execute("from t order by id").fetchall()
    assert header + b"".join(bodies) == written
    assert sum(len(b) > 256 - len(header) for b in bodies) == 1


def test_a_file_within_the_limit_keeps_one_name(tmp_path: Path) -> None:
    source = tmp_path / "source.csv"
    write_csv(source, [["Email"], ["a@x.io"]])
    size = source.stat().st_size
    assert split_csv(source, tmp_path / "list", size) == [tmp_path / "list.csv"]
    assert (tmp_path / "list.csv").read_text() == "Email\na@x.io\n"


def test_csv_timestamps_are_utc_with_an_explicit_zone() -> None:
    con = duckdb.connect()
    con.execute("set TimeZone = 'America/New_York'")
    con.execute(
        """create table t as select
            timestamp '2026-03-01 12:00:00' as naive,
            timestamp '2026-03-01 12:00:00.25' as fraction,
            timestamptz '2026-03-01 12:00:00+00' as zoned"""
    )
    assert con.execute(f"select {select_list(con, 't', 'csv')} from t").fetchall() == [
        ("2026-03-01T12:00:00Z", "2026-03-01T12:00:00.250000Z", "2026-03-01T12:00:00Z")
    ]


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
