"""Does an incremental build equal a full refresh? Every table and view compared row by row.

Used by the scale benchmark (bench/bench.py) and by the end-to-end tests. Models
that keep history across builds (snapshots, the trigger firing history) and
everything built on them legitimately differ between daily builds and one
build from scratch; they are left out by name, found in dbt's manifest.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from datetime import UTC
from pathlib import Path

import duckdb

from audience.exports import CSV_READ_OPTIONS

COMPARED_SCHEMAS = ("intermediate", "marts", "activation")
FLOAT_DECIMALS = 6
# rows of one relation compared at once (one `except all` each way); larger relations are sliced
ROWS_PER_COMPARISON = 16_000_000
HISTORY_NODES = ("snapshot.audience_warehouse.", "model.audience_warehouse.int_trigger_firings")
# columns that record when a build changed a row (the change cursor): other builds, other times
BUILD_TIME_COLUMNS = {("activation", "updated_at")}
# the tables that hold the kept fits (doc block `model_fits`), and the vars with which a full refresh keeps the fits
# it finds: an incremental build between refits is compared with a full refresh that keeps the same fits
KEPT_FIT_TABLES = (
    "int_model_fits",
    "int_propensity_snapshots",
    "int_customer_feature_snapshots",
    "int_propensity_validation",
    "int_propensity_scoring_models",
    "int_cluster_k_search",
    "int_cluster_model",
    "clv_model_parameters",
    "int_product_similarities",
)
KEEP_FIT_VARS = {"refit_on_full_refresh": False}


def history_dependent(target: Path) -> set[str]:
    """Names of the history models and of every node downstream of them (from dbt's manifest)."""
    children = json.loads((target / "manifest.json").read_text())["child_map"]
    pending = [node for node in children if node.startswith(HISTORY_NODES)]
    seen: set[str] = set()
    while pending:
        node = pending.pop()
        if node not in seen:
            seen.add(node)
            pending.extend(children.get(node, []))
    return {node.split(".")[-1] for node in seen if node.startswith(("model.", "snapshot."))}


def copy_kept_fit(source: Path, target: Path) -> list[str]:
    """Copy the kept fits' tables from warehouse ``source`` into ``target`` (created if missing).

    A full refresh of ``target`` run with KEEP_FIT_VARS then scores with the same fit as ``source``'s builds.
    Returns the tables copied, as schema.table.
    """
    # a new file in the format the project writes (profiles.yml)
    with duckdb.connect(str(target), config={"storage_compatibility_version": "v1.4.0"}) as con:
        con.execute(f"attach '{source}' as kept_fit (read_only)")
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = 'kept_fit' and table_type = 'BASE TABLE' and table_name in "
            f"({', '.join('?' for _ in KEPT_FIT_TABLES)}) order by all",
            list(KEPT_FIT_TABLES),
        ).fetchall()
        for schema, table in tables:
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(f'create or replace table "{schema}"."{table}" as select * from kept_fit."{schema}"."{table}"')
    return [f"{schema}.{table}" for schema, table in tables]


def comparable_select(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    """Every column but the build times, doubles rounded (aggregation order may change their last bits)."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = 'full_refresh' and table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    parts = [
        f'round("{name}", {FLOAT_DECIMALS})' if data_type in ("DOUBLE", "FLOAT") else f'"{name}"'
        for name, data_type in columns
        if (schema, name) not in BUILD_TIME_COLUMNS
    ]
    return f"select {', '.join(parts)} from {{db}}.{schema}.{table}"


def compare_warehouses(incremental: Path, full: Path, skip: set[str]) -> dict:
    """Rows in one warehouse and not the other, per table and view of the compared schemas (0 everywhere = equal).

    ``skip``: relations whose rows depend on earlier builds (history).
    """
    # DuckDB spills beside the warehouses (by default it would use .tmp in the current folder)
    con = duckdb.connect(config={"temp_directory": str(incremental.parent / "compare.tmp")})
    con.execute(f"attach '{incremental}' as incremental (read_only)")
    con.execute(f"attach '{full}' as full_refresh (read_only)")
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'full_refresh' "
        f"and schema_name in {COMPARED_SCHEMAS} order by all"
    ).fetchall()
    views = con.execute(
        "select schema_name, view_name from duckdb_views() where database_name = 'full_refresh' "
        f"and schema_name in {COMPARED_SCHEMAS} and not internal order by all"
    ).fetchall()
    differences = {}
    for schema, table in [*tables, *views]:
        if table in skip:
            continue
        query = comparable_select(con, schema, table)
        rows = con.execute(f"select count(*) from full_refresh.{schema}.{table}").fetchall()[0][0]
        # large relations are compared a slice at a time: equal rows hash alike, so they fall in the same
        # slice, and each `except all` holds a slice instead of the whole relation (at 2M customers the whole
        # email events did not fit in memory plus the free disk)
        slices = max(1, math.ceil(rows / ROWS_PER_COMPARISON))
        differing = 0
        for part in range(slices):
            left, right = (
                f"select * from ({query.format(db=db)}) as r where hash(r) % {slices} = {part}"
                for db in ("incremental", "full_refresh")
            )
            only_left = f"select count(*) from ({left} except all {right})"
            only_right = f"select count(*) from ({right} except all {left})"
            differing += con.execute(f"select ({only_left}) + ({only_right})").fetchall()[0][0]
        differences[f"{schema}.{table}"] = differing
    return {"relations": len(differences), "differing_rows": differences, "skipped_history": sorted(skip)}


# floats of the two engines compared as equal when they agree to this relative precision (or both are within
# FLOAT_ABSOLUTE_TOLERANCE of zero): their optimizers sum in other orders and libm differs in the last bits
FLOAT_RELATIVE_TOLERANCE = 1e-6
FLOAT_ABSOLUTE_TOLERANCE = 1e-9


class _Number:
    """Where a float stood in a row: rows are first matched on everything else, then on their floats."""

    def __repr__(self) -> str:
        return "<float>"


_NUMBER = _Number()


def _normalized(value: object, is_json: bool, numbers: list[float]) -> object:
    """One value as both engines' frames must agree on it (floats moved to ``numbers``, NaN as null, JSON parsed)."""
    if value is None:
        return None
    if is_json:
        return json.dumps(_normalized_json(json.loads(value), numbers), sort_keys=True, default=repr)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        numbers.append(value)
        return _NUMBER
    if getattr(value, "tzinfo", None) is not None:  # Spark's timestamps come back zoned (UTC); DuckDB's are naive
        value = value.astimezone(UTC).replace(tzinfo=None)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if type(value).__module__ == "decimal":
        return _normalized(float(value), is_json, numbers)
    if hasattr(value, "item"):  # numpy scalars
        return _normalized(value.item(), is_json, numbers)
    return value


def _normalized_json(value: object, numbers: list[float]) -> object:
    if isinstance(value, dict):
        return {key: _normalized_json(value[key], numbers) for key in sorted(value)}
    if isinstance(value, list):
        return [_normalized_json(item, numbers) for item in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # 1 and 1.0 are the same JSON number
        numbers.append(float(value))
        return _NUMBER
    return value


def _close(left: tuple[float, ...], right: tuple[float, ...]) -> bool:
    return all(
        math.isclose(a, b, rel_tol=FLOAT_RELATIVE_TOLERANCE, abs_tol=FLOAT_ABSOLUTE_TOLERANCE)
        for a, b in zip(left, right, strict=True)
    )


def frame_differences(left, right, json_columns: tuple[str, ...] = ()) -> tuple[list[tuple], list[tuple]]:
    """Rows of one pandas frame missing from the other (multiset difference, each way), columns by name.

    Everything but floats compares exactly; floats to FLOAT_RELATIVE_TOLERANCE (a row matches a row of the
    other frame equal in every other value whose floats are all that close), NaN equals null, timestamps by
    value, and ``json_columns`` as parsed documents (keys in any order, numbers as numbers). The rows returned
    show their floats in place.
    """
    columns = sorted(left.columns)
    if sorted(right.columns) != columns:
        raise ValueError(f"columns differ: {sorted(set(left.columns) ^ set(right.columns))}")

    # a column of floats on either side holds floats on both (an integer sum may be a float on one engine)
    float_columns = {c for c in columns if "f" in (left[c].dtype.kind, right[c].dtype.kind)}

    def rows(frame) -> dict[tuple, list[tuple[float, ...]]]:
        """Each row's floats by the rest of the row."""
        by_shape: dict[tuple, list[tuple[float, ...]]] = defaultdict(list)
        values = frame[columns].astype(object).where(frame[columns].notna(), None).itertuples(index=False)
        for row in values:
            numbers: list[float] = []
            shape = tuple(
                _normalized(
                    float(v) if c in float_columns and isinstance(v, int) and not isinstance(v, bool) else v,
                    c in json_columns,
                    numbers,
                )
                for v, c in zip(row, columns, strict=True)
            )
            by_shape[shape].append(tuple(numbers))
        return by_shape

    def shown(shape: tuple, numbers: tuple[float, ...]) -> tuple:
        remaining = iter(numbers)
        return tuple(next(remaining) if value is _NUMBER else value for value in shape)

    left_rows, right_rows = rows(left), rows(right)
    only_left: list[tuple] = []
    only_right: list[tuple] = []
    for shape in left_rows.keys() | right_rows.keys():
        unmatched = Counter(right_rows.get(shape, []))
        unmatched.subtract(left_rows.get(shape, []))
        # exact matches cancel out; what is left is compared float by float
        left_over = [numbers for numbers, count in unmatched.items() if count < 0 for _ in range(-count)]
        right_over = [numbers for numbers, count in unmatched.items() if count > 0 for _ in range(count)]
        for numbers in left_over:
            match = next((i for i, other in enumerate(right_over) if _close(numbers, other)), None)
            if match is None:
                only_left.append(shown(shape, numbers))
            else:
                right_over.pop(match)
        only_right.extend(shown(shape, numbers) for numbers in right_over)
    return sorted(only_left, key=repr), sorted(only_right, key=repr)


def export_groups(folder: Path) -> dict[str, list[Path]]:
    """An export folder's files by what holds one table's rows: a named file, or a partition's files of one format.

    (The files in a partition folder, ``<column>=<value>``, are named by the
    writer's threads, so only their rows compare; any other file, such as a
    list file, compares on its own.)
    """
    groups: dict[str, list[Path]] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            name = path.relative_to(folder)
            group = f"{name.parent}/*{path.suffix}" if "=" in name.parent.name else str(name)
            groups.setdefault(group, []).append(path)
    return groups


def _numeric_text(value: object) -> object:
    """A CSV cell: an integer's text as the integer, a decimal's as the float, any other text as it is."""
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d*\.\d+(e[+-]?\d+)?|-?\d+e[+-]?\d+", value, re.IGNORECASE):
        return float(value)
    return value


def _read_export(files: list[Path]):
    names = [str(path) for path in files]
    if names[0].endswith(".csv"):
        # every cell as the text an ESP reads, numbers then as numbers (two engines' last digits differ)
        frame = duckdb.execute(f"select * from read_csv({names}, all_varchar = true, {CSV_READ_OPTIONS})").df()
        return frame.map(_numeric_text)
    return duckdb.execute(f"select * from read_parquet({names})").df()


def export_differences(left: Path, right: Path, json_columns: tuple[str, ...] = ()) -> dict[str, str]:
    """Where two export folders differ: a file or folder on one side only, other columns, or other rows.

    Rows compare as ``frame_differences`` compares them; CSV cells as text, numbers as numbers. Empty: the same.
    """
    on_left, on_right = export_groups(left), export_groups(right)
    differences = {group: "only on the left" for group in on_left.keys() - on_right.keys()}
    differences |= {group: "only on the right" for group in on_right.keys() - on_left.keys()}
    for group in sorted(on_left.keys() & on_right.keys()):
        left_rows, right_rows = _read_export(on_left[group]), _read_export(on_right[group])
        if list(left_rows.columns) != list(right_rows.columns):
            differences[group] = f"columns {list(left_rows.columns)} against {list(right_rows.columns)}"
            continue
        only_left, only_right = frame_differences(left_rows, right_rows, json_columns)
        if only_left or only_right:
            differences[group] = f"{len(only_left)} rows only on the left, {len(only_right)} only on the right: " + (
                repr((only_left + only_right)[:2])
            )
    return differences
