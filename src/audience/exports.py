"""Write the file exports a build declares: dbt builds tables, publishing writes files.

A model asks for files in its yml, under ``config: meta: export:``::

    export: {formats: [parquet, csv]}                          # <model>.parquet, <model>.csv
    export: {formats: [parquet, csv], by_day: changed_at, day_column: changed_date,
             keep_days: "{{ var('change_log_export_days') }}"}
                                                               # <model>/changed_date=<day>/*.parquet, *.csv
    export: {formats: [csv], lists_by: [segment_type, segment_key], esp: klaviyo, max_file_mb: 45}
                                                               # <model>/klaviyo/<type>-<key>.csv, one per list
    export: {formats: [parquet], folder: marts, when: "{{ env_var('AUDIENCE_EXPORT_MARTS', 'false') }}"}
                                                               # marts/<model>.parquet, when it renders true

A list export writes the columns that name a header for the ESP in their
``meta: list_headers: {<esp>: <header>}``, in the yml's order, under that
header, and splits a list larger than ``max_file_mb`` into parts of at most
that size, each starting with the header row.

``write_exports`` reads the manifest and run results of a finished dbt run
and writes the exports of the models that run rebuilt, from the warehouse it
built; a model it did not rebuild keeps its files. It runs after dbt, from
``python -m audience build`` (before the build is published) or ``python -m
audience export``; plain ``dbt build`` never touches the exports folder.

CSV files get a header row, timestamps as ISO 8601 in UTC with an explicit
``Z`` (seconds, or microseconds where the value has them), and a text cell a spreadsheet would run as a
formula (starting with ``= + - @``, a tab or a carriage return) gets a
leading apostrophe, as OWASP recommends against CSV injection; Parquet keeps
the true values. A file is written beside its final name and renamed over
it, so a file another export version links to is replaced, never changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO

import duckdb

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# how the CSV files are written (RFC 4180), for reading them back without sniffing: a sniffer that
# samples only rows without a quoted cell guesses "no quoting" and then fails on a later comma
CSV_READ_OPTIONS = "header = true, delim = ',', quote = '\"', escape = '\"'"


@dataclass(frozen=True)
class ExportSpec:
    """What one model exports, from its ``meta.export``."""

    unique_id: str
    name: str
    relation: str
    formats: tuple[str, ...]
    by_day: str | None = None
    day_column: str | None = None
    keep_days: int | None = None
    lists_by: tuple[str, ...] = ()
    esp: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    max_file_bytes: int | None = None
    folder: str | None = None

    @classmethod
    def from_node(cls, node: dict) -> ExportSpec:
        export = node["config"]["meta"]["export"]
        by_day = export.get("by_day")
        if by_day and not (export.get("day_column") and export.get("keep_days")):
            raise ValueError(f"{node['name']}: an export by day needs day_column and keep_days")
        lists_by = tuple(export.get("lists_by", ()))
        esp = export.get("esp")
        headers = list_headers(node, esp) if lists_by else ()
        if lists_by and not (esp and export.get("max_file_mb") and headers):
            raise ValueError(f"{node['name']}: a list export needs esp, max_file_mb and columns with its headers")
        return cls(
            unique_id=node["unique_id"],
            name=node["alias"],
            relation=f'"{node["schema"]}"."{node["alias"]}"',
            formats=tuple(export.get("formats", ("parquet", "csv"))),
            by_day=by_day,
            day_column=export.get("day_column"),
            keep_days=int(export["keep_days"]) if by_day else None,
            lists_by=lists_by,
            esp=esp if lists_by else None,
            headers=headers,
            max_file_bytes=round(float(export["max_file_mb"]) * 1_000_000) if lists_by else None,
            folder=export.get("folder"),
        )


def list_headers(node: dict, esp: str | None) -> tuple[tuple[str, str], ...]:
    """(column, header) for each column of ``node`` that names a header for ``esp``, in the yml's order."""
    headers = []
    for name, column in node["columns"].items():
        meta = column.get("config", {}).get("meta") or column.get("meta") or {}
        header = (meta.get("list_headers") or {}).get(esp)
        if header:
            headers.append((name, str(header)))
    return tuple(headers)


@dataclass(frozen=True)
class Written:
    """What ``write_exports`` did."""

    files: list[str]
    removed_days: list[str]


def declares_export(node: dict) -> bool:
    """A model with ``meta.export``, unless its ``when`` (rendered by dbt) is false."""
    export = (node["config"].get("meta") or {}).get("export")
    if node["resource_type"] != "model" or export is None:
        return False
    return str(export.get("when", True)).strip().lower() not in ("false", "0", "none", "")


def export_specs(manifest: dict) -> list[ExportSpec]:
    """Every model of the project that declares an export, by name."""
    nodes = [node for node in manifest["nodes"].values() if declares_export(node)]
    return sorted((ExportSpec.from_node(node) for node in nodes), key=lambda spec: spec.name)


def rebuilt_models(run_results: dict) -> set[str]:
    """unique_ids of the models a dbt run built successfully."""
    return {
        result["unique_id"]
        for result in run_results["results"]
        if result["unique_id"].startswith("model.") and result["status"] == "success"
    }


def neutralized(column: str) -> str:
    """SQL for a text value with a leading apostrophe where a spreadsheet would see a formula."""
    starts = ", ".join("chr(9)" if c == "\t" else "chr(13)" if c == "\r" else f"'{c}'" for c in FORMULA_STARTS)
    return f"case when left({column}, 1) in ({starts}) then '''' || {column} else {column} end"


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def zoned(column: str, kind: str) -> str:
    """SQL for a timestamp value as ISO 8601 text in UTC with a ``Z``; microseconds only where it has them."""
    utc = f"timezone('UTC', {column})" if kind == "TIMESTAMP WITH TIME ZONE" else column
    return (
        f"case when microsecond({utc}) % 1000000 = 0 then strftime({utc}, '%Y-%m-%dT%H:%M:%SZ') "
        f"else strftime({utc}, '%Y-%m-%dT%H:%M:%S.%fZ') end"
    )


def csv_cell(column: str, kind: str) -> str:
    """SQL for one column's value in a CSV: text neutralized, timestamps zoned, anything else as it is."""
    if kind == "VARCHAR":
        return neutralized(column)
    if kind in ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE"):
        return zoned(column, kind)
    return column


def select_list(con: duckdb.DuckDBPyConnection, relation: str, file_format: str) -> str:
    """Every column; in a CSV, each value as ``csv_cell`` writes it."""
    if file_format != "csv":
        return "*"
    columns = con.execute(f"describe select * from {relation}").fetchall()
    return ", ".join(f"{csv_cell(quoted(name), kind)} as {quoted(name)}" for name, kind, *_ in columns)


def copy_options(file_format: str) -> str:
    return f"format {file_format}" + (", header true" if file_format == "csv" else "")


def write_file(con: duckdb.DuckDBPyConnection, query: str, path: Path, file_format: str) -> None:
    """``query`` to one file at ``path``, by a rename (an earlier version's hard link keeps the old file)."""
    temporary = path.with_name(f".{path.name}.tmp")
    con.execute(f"copy ({query}) to '{temporary}' ({copy_options(file_format)})").fetchall()
    os.replace(temporary, path)


def write_whole(con: duckdb.DuckDBPyConnection, spec: ExportSpec, folder: Path) -> list[str]:
    written = []
    for file_format in spec.formats:
        path = folder / (spec.folder or "") / f"{spec.name}.{file_format}"
        path.parent.mkdir(exist_ok=True)
        query = f"select {select_list(con, spec.relation, file_format)} from {spec.relation}"
        write_file(con, query, path, file_format)
        written.append(path.relative_to(folder).as_posix())
    return written


def list_file_name(columns: tuple[str, ...]) -> str:
    """SQL for a list's file name: its key values joined by '-', lower case, other characters as '_'."""
    joined = " || '-' || ".join(f'"{column}"' for column in columns)
    return f"regexp_replace(lower({joined}), '[^a-z0-9_-]+', '_', 'g')"


def list_file_names(con: duckdb.DuckDBPyConnection, relation: str, columns: tuple[str, ...]) -> str:
    """SQL for each row's list file name: ``list_file_name``, never one name for two lists.

    Two lists whose keys read the same once lower-cased and cleaned (``Win
    Back`` and ``win_back``) would share a file, so an ESP import would mix
    them: such names get the first 8 hex digits of the MD5 of their exact
    key values, joined by the unit separator (``win_back-3f2a9c1e``). Every
    other name stays readable; without such a pair the expression is
    ``list_file_name`` itself.
    """
    readable = list_file_name(columns)
    keys = ", ".join(f'"{column}"' for column in columns)
    lists = con.execute(f"select distinct {readable}, {keys} from {relation}").fetchall()
    by_name: dict[str, list[tuple]] = {}
    for name, *values in lists:
        by_name.setdefault(name, []).append(tuple(values))
    shared = [(name, values) for name, key_values in by_name.items() if len(key_values) > 1 for values in key_values]
    if not shared:
        return readable
    cases = []
    for name, values in sorted(shared, key=repr):
        exact = "\x1f".join(str(v) for v in values if v is not None)
        unique = f"{name}-{hashlib.md5(exact.encode()).hexdigest()[:8]}"
        match = " and ".join(
            f'"{column}" is not distinct from {sql_literal(value)}'
            for column, value in zip(columns, values, strict=True)
        )
        cases.append(f"when {match} then {sql_literal(unique)}")
    return f"case {' '.join(cases)} else {readable} end"


def sql_literal(value: object) -> str:
    """A list key's value as a SQL literal (text quoted, quotes doubled; null as null)."""
    if value is None:
        return "null"
    return "'" + str(value).replace("'", "''") + "'"


def split_csv(source: Path, stem: Path, max_bytes: int) -> list[Path]:
    """``source`` as ``<stem>.csv``, or as ``<stem>-part-<n>.csv`` files of at most ``max_bytes`` each.

    Every part starts with the header row; rows are never cut (a row longer
    than the limit on its own gets a part of its own). The parts hold the
    bytes DuckDB wrote, cut at record ends: a line feed is one where the
    double quotes since the part's first row are even in number (in a CSV a
    quoted cell holds an even number of them, so an odd count means the line
    feed is inside a quoted cell). The file is read a part at a time.
    """
    size = source.stat().st_size
    if size <= max_bytes:
        whole = stem.with_name(stem.name + ".csv")
        os.replace(source, whole)
        return [whole]
    parts: list[Path] = []
    with source.open("rb") as rows_in:
        header = read_record(rows_in, 0)
        budget = max(max_bytes - len(header), 1)
        start = len(header)
        while start < size:
            rows_in.seek(start)
            chunk = rows_in.read(budget)
            end = len(chunk) if start + len(chunk) == size else last_record_end(chunk)
            rows = chunk[:end] if end else read_record(rows_in, start)
            parts.append(stem.with_name(f"{stem.name}-part-{len(parts) + 1}.csv"))
            with parts[-1].open("wb") as out:
                out.write(header)
                out.write(rows)
            start += len(rows)
    source.unlink()
    return parts


def last_record_end(chunk: bytes) -> int:
    """Where the last whole CSV record in ``chunk`` (which starts at a record) ends; 0 if none does."""
    position = chunk.rfind(b"\n")
    quotes = chunk.count(b'"', 0, position + 1)
    while position >= 0 and quotes % 2:
        earlier = chunk.rfind(b"\n", 0, position)
        quotes -= chunk.count(b'"', earlier + 1, position + 1)
        position = earlier
    return position + 1


def read_record(rows_in: BinaryIO, start: int, block: int = 1 << 20) -> bytes:
    """The first whole CSV record from byte ``start`` on (to the end of the file if it has no line feed)."""
    rows_in.seek(start)
    record = b""
    quotes = 0
    while block_read := rows_in.read(block):
        searched = len(record)
        record += block_read
        position = record.find(b"\n", searched)
        while position >= 0:
            quotes += record.count(b'"', searched, position + 1)
            if quotes % 2 == 0:
                return record[: position + 1]
            searched = position + 1
            position = record.find(b"\n", searched)
        quotes += record.count(b'"', searched)
    return record


def write_lists(con: duckdb.DuckDBPyConnection, spec: ExportSpec, folder: Path) -> list[str]:
    """One CSV per list (each value of ``lists_by``) under the ESP's headers, split at ``max_file_bytes``.

    Written to ``<model>/<esp>/<key>-<key>.csv``; the model's folder is
    replaced, so a list nobody is in any more, or another ESP's files, do
    not stay behind.
    """
    target = folder / spec.name
    shutil.rmtree(target, ignore_errors=True)
    lists = target / spec.esp
    lists.mkdir(parents=True)
    staging = target / ".by_list"
    kinds = dict((name, kind) for name, kind, *_ in con.execute(f"describe select * from {spec.relation}").fetchall())
    columns = ", ".join(f"{csv_cell(quoted(name), kinds[name])} as {quoted(header)}" for name, header in spec.headers)
    con.execute(
        f"copy (select {columns}, {list_file_names(con, spec.relation, spec.lists_by)} as list_file "
        f"from {spec.relation}) "
        f"to '{staging}' ({copy_options('csv')}, partition_by (list_file))"
    ).fetchall()
    written = []
    for partition in sorted(staging.iterdir()) if staging.exists() else []:
        name = partition.name.split("=", 1)[1]
        files = sorted(partition.glob("*.csv"))
        source = files[0] if len(files) == 1 else merge_csv(files, partition / "merged.csv")
        written += [
            path.relative_to(folder).as_posix() for path in split_csv(source, lists / name, spec.max_file_bytes)
        ]
    shutil.rmtree(staging, ignore_errors=True)
    return written


def merge_csv(files: list[Path], merged: Path) -> Path:
    """The rows of several CSV files with the same header as one file with one header."""
    with merged.open("w", newline="", encoding="utf-8") as out:
        for position, path in enumerate(files):
            with path.open(newline="", encoding="utf-8") as rows_in:
                header = rows_in.readline()
                if position == 0:
                    out.write(header)
                shutil.copyfileobj(rows_in, out)
    return merged


def exported_day_rows(folder: Path) -> dict[date, int]:
    """Rows per day in an export by day, from its Parquet footers (no file: nothing exported)."""
    days = {}
    for day_folder in folder.glob("*=*"):
        files = [str(p) for p in day_folder.glob("*.parquet")]
        rows = (
            duckdb.execute("select coalesce(sum(num_rows), 0) from parquet_file_metadata(?)", [files]).fetchall()[0][0]
            if files
            else 0
        )
        days[date.fromisoformat(day_folder.name.split("=", 1)[1])] = rows
    return days


def write_by_day(
    con: duckdb.DuckDBPyConnection, spec: ExportSpec, folder: Path, as_of_date: date, full_refresh: bool
) -> tuple[list[str], list[str]]:
    """The last ``keep_days`` days (the as-of date included) of a log, a folder per day.

    Written: the as-of date and later (where a build appends), every earlier
    kept day whose row count differs from its files (rows of erased people
    deleted since, or a day never written), every day on a full refresh.
    Removed: the days that left the window or have no rows any more. The
    other days' files are not touched, so a daily build writes a day or two.
    """
    target = folder / spec.name
    target.mkdir(parents=True, exist_ok=True)
    first_kept_day = as_of_date - timedelta(days=spec.keep_days - 1)
    day = f"cast({spec.by_day} as date)"
    stored = dict(
        con.execute(
            f"select {day}, count(*) from {spec.relation} where {spec.by_day} >= ? group by all", [first_kept_day]
        ).fetchall()
    )
    exported = exported_day_rows(target)
    removed = []
    for gone in sorted(d for d in exported if d not in stored):
        shutil.rmtree(target / f"{spec.day_column}={gone}")
        removed.append(f"{spec.name}/{spec.day_column}={gone}")
    written = []
    for kept in sorted(stored):
        if not (full_refresh or kept >= as_of_date or stored[kept] != exported.get(kept)):
            continue
        day_folder = target / f"{spec.day_column}={kept}"
        shutil.rmtree(day_folder, ignore_errors=True)
        start = f"cast('{kept}' as timestamp)"
        for position, file_format in enumerate(spec.formats):
            # a range on the column itself, so DuckDB skips the row groups of other days
            rows = (
                f"select {select_list(con, spec.relation, file_format)} from {spec.relation} "
                f"where {spec.by_day} >= {start} and {spec.by_day} < {start} + interval 1 day"
            )
            con.execute(
                f"copy ({rows}) to '{day_folder}' ({copy_options(file_format)}, per_thread_output true"
                f"{', overwrite_or_ignore true' if position else ''})"
            ).fetchall()
        written.append(f"{spec.name}/{spec.day_column}={kept}/")
    return written, removed


def exports_of_run(target: Path, rebuilt: set[str] | None = None) -> tuple[dict, list[ExportSpec]]:
    """The manifest of the dbt run in ``target`` and the exports of the models it rebuilt (or of ``rebuilt``)."""
    manifest = json.loads((target / "manifest.json").read_text())
    if rebuilt is None:
        rebuilt = rebuilt_models(json.loads((target / "run_results.json").read_text()))
    return manifest, [spec for spec in export_specs(manifest) if spec.unique_id in rebuilt]


def as_of_relation(manifest: dict) -> str:
    node = next(node for node in manifest["nodes"].values() if node["name"] == "int_as_of_date")
    return f'"{node["schema"]}"."{node["alias"]}"'


def write_specs(
    con: duckdb.DuckDBPyConnection, manifest: dict, specs: list[ExportSpec], folder: Path, full_refresh: bool
) -> Written:
    """The exports of ``specs``, from the relations ``con`` sees under the models' schema and alias."""
    folder.mkdir(parents=True, exist_ok=True)
    files: list[str] = []
    removed: list[str] = []
    if not specs:
        return Written(files, removed)
    as_of_date = con.execute(f"select as_of_date from {as_of_relation(manifest)}").fetchall()[0][0]
    for spec in specs:
        if spec.by_day:
            written, gone = write_by_day(con, spec, folder, as_of_date, full_refresh)
            files += written
            removed += gone
        elif spec.lists_by:
            files += write_lists(con, spec, folder)
        else:
            files += write_whole(con, spec, folder)
    return Written(files, removed)


def write_exports(
    warehouse: Path, target: Path, folder: Path, full_refresh: bool = False, threads: int | None = None
) -> Written:
    """Write the exports of the models the dbt run in ``target`` rebuilt, from ``warehouse``, into ``folder``."""
    manifest, specs = exports_of_run(target)
    config = {"threads": threads} if threads else {}
    with duckdb.connect(str(warehouse), read_only=True, config=config) as con:
        return write_specs(con, manifest, specs, folder, full_refresh)


def write_exports_from_parquet(
    tables: Path, manifest: dict, specs: list[ExportSpec], folder: Path, full_refresh: bool = False
) -> Written:
    """The same exports from tables stored as Parquet, ``<tables>/<schema>/<alias>/*.parquet`` (another engine's).

    Each relation an export reads (the models' and the as-of date's) becomes a DuckDB view over its files, so
    the files are written by the same code as a DuckDB build's.
    """
    with duckdb.connect() as con:
        for relation in {spec.relation for spec in specs} | {as_of_relation(manifest)}:
            schema, name = (part.strip('"') for part in relation.split("."))
            con.execute(f'create schema if not exists "{schema}"')
            files = tables / schema / name / "*.parquet"
            con.execute(f"create view {relation} as select * from read_parquet('{files}')")
        return write_specs(con, manifest, specs, folder, full_refresh)
