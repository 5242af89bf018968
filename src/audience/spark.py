"""Build the project on Spark with Delta Lake in a local session: dbt for SQL, this module for the Python models.

``python -m audience.spark build [--exports <folder>] [dbt options]``
builds, and writes the file exports of what it rebuilt into ``<folder>`` in
the layout a DuckDB build writes; ``python -m audience.spark export <folder>
<schema> ...`` writes a built warehouse's tables as Parquet (for comparing).

dbt-spark's ``session`` method runs SQL models, seeds, snapshots and tests,
but cannot submit Python models (on Databricks, dbt submits them to a
cluster). ``build_on_spark`` therefore builds in three steps, in one
process and one Spark session (dbt-spark's session method reuses the session
it finds), on the same Delta warehouse:

1. ``dbt build --target spark`` of everything but the Python models and
   what depends on them;
2. every Python model, in dependency order, called as dbt would call it
   (``model(dbt, session)`` with its refs as Spark tables and its config
   from the manifest) and written back as a Delta table;
3. ``dbt build --target spark`` of what depends on them, and of the Python
   models' tests.

The Spark session is configured from the ``spark`` output of profiles.yml,
so this module and dbt read one definition.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace

import yaml

from audience.exports import as_of_relation, exports_of_run, rebuilt_models, write_exports_from_parquet

PROJECT_DIR = Path(__file__).resolve().parents[2]
ENV_VAR = re.compile(r"""\{\{\s*env_var\(\s*['"](\w+)['"]\s*(?:,\s*['"]([^'"]*)['"])?\s*\)\s*\}\}""")


def render_env_vars(value: str, environ: Mapping[str, str]) -> str:
    """A profiles.yml value with its ``{{ env_var('NAME', 'default') }}`` calls replaced."""
    return ENV_VAR.sub(lambda m: environ.get(m.group(1), m.group(2) or ""), value)


def spark_settings(environ: Mapping[str, str], profiles: Path | None = None) -> dict[str, str]:
    """The Spark configuration of the profile's ``spark`` output, rendered with ``environ``."""
    profiles = profiles or Path(environ.get("DBT_PROFILES_DIR", PROJECT_DIR)) / "profiles.yml"
    output = yaml.safe_load(profiles.read_text())["audience_warehouse"]["outputs"]["spark"]
    settings = {key: render_env_vars(str(value), environ) for key, value in output["server_side_parameters"].items()}
    settings["spark.sql.ansi.enabled"] = "false"  # as dbt-spark sets it
    return settings


def spark_session(environ: Mapping[str, str]):
    """The SparkSession dbt-spark's session method opens, with Arrow for pandas conversions."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_settings(environ).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
    return session


def python_models_in_order(manifest: dict) -> list[dict]:
    """The project's Python models, each after the Python models it reads."""
    models = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["language"] == "python"
    }
    ordered: list[dict] = []
    placed: set[str] = set()
    while len(ordered) < len(models):
        ready = [
            uid
            for uid, node in sorted(models.items())
            if uid not in placed and all(p in placed or p not in models for p in node["depends_on"]["nodes"])
        ]
        if not ready:
            raise ValueError("the Python models depend on each other in a cycle")
        for uid in ready:
            placed.add(uid)
            ordered.append(models[uid])
    return ordered


class _Config:
    """``dbt.config``: callable (a no-op here, as the manifest holds the config) with ``get``."""

    def __init__(self, config: dict) -> None:
        self._config = config

    def __call__(self, **_: object) -> None:
        return None

    def get(self, key: str, default: object = None) -> object:
        return self._config.get(key, default)


def run_python_model(node: dict, manifest: dict, session) -> None:
    """Call one Python model on Spark as dbt would, and store its frame as the model's Delta table."""
    relations = {n["name"]: f"{n['schema']}.{n['alias']}" for n in manifest["nodes"].values() if "alias" in n}
    spec = importlib.util.spec_from_file_location(node["name"], PROJECT_DIR / node["original_file_path"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    this = SimpleNamespace(database=node["database"], schema=node["schema"], identifier=node["alias"])
    dbt = SimpleNamespace(ref=lambda name: session.table(relations[name]), config=_Config(node["config"]), this=this)
    frame = module.model(dbt, session)
    session.sql(f"create database if not exists {node['schema']}")
    (
        session.createDataFrame(frame)
        .write.format("delta")
        .mode("overwrite")
        .option("overwriteSchema", "true")
        .saveAsTable(f"{node['schema']}.{node['alias']}")
    )


def run_dbt(args: list[str]) -> int:
    """One dbt command on the spark target, in this process (so in this process's Spark session)."""
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke([*args, "--target", "spark", "--project-dir", str(PROJECT_DIR)])
    if result.exception is not None:
        raise result.exception
    return 0 if result.success else 1


def models_rebuilt(target_path: Path) -> set[str]:
    return rebuilt_models(json.loads((target_path / "run_results.json").read_text()))


def build_on_spark(
    dbt_args: list[str], environ: Mapping[str, str], target_path: Path, exports: Path | None = None
) -> int:
    """The three steps of a Spark build (module docstring); returns 1 if a step failed, else 0.

    ``dbt_args`` are extra options for both dbt builds (``--vars``, ``--full-refresh``...). With ``exports``,
    the exports of the models it rebuilt are written there afterwards (``write_spark_exports``).
    """
    session = spark_session(environ)
    paths = ["--target-path", str(target_path)]
    status = run_dbt(["build", *paths, "--exclude", "path:python_models+", *dbt_args])
    if status:
        return status
    rebuilt = models_rebuilt(target_path)
    manifest = json.loads((target_path / "manifest.json").read_text())
    for node in python_models_in_order(manifest):
        run_python_model(node, manifest, session)
        rebuilt.add(node["unique_id"])
    # what reads the Python models, and their own tests (declared beside them, under python_models/)
    descendants = ["--select", "path:python_models+", "--exclude", "path:python_models,resource_type:model"]
    status = run_dbt(["build", *paths, *descendants, *dbt_args])
    if status or exports is None:
        return status
    write_spark_exports(
        session, target_path, rebuilt | models_rebuilt(target_path), exports, "--full-refresh" in dbt_args
    )
    return 0


def write_table_as_parquet(session, relation: str, folder: Path) -> None:
    """One Spark table as Parquet files in ``folder``; its timestamps (UTC) without a zone, as DuckDB's are."""
    from pyspark.sql import functions
    from pyspark.sql.types import TimestampType

    frame = session.table(relation)
    columns = [
        functions.col(f"`{field.name}`").cast("timestamp_ntz").alias(field.name)
        if isinstance(field.dataType, TimestampType)
        else functions.col(f"`{field.name}`")
        for field in frame.schema.fields
    ]
    frame.select(columns).write.mode("overwrite").parquet(str(folder))


def write_spark_exports(session, target_path: Path, rebuilt: set[str], folder: Path, full_refresh: bool) -> None:
    """The file exports of the rebuilt models, in the layout a DuckDB build writes (audience.exports).

    The tables they read are copied as Parquet to a folder beside the exports, and written from there by the
    exports code DuckDB builds use, so both engines' files come from one definition.
    """
    manifest, specs = exports_of_run(target_path, rebuilt)
    staging = folder.with_name(f".{folder.name}.spark-tables")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for relation in {spec.relation for spec in specs} | {as_of_relation(manifest)}:
            schema, name = (part.strip('"') for part in relation.split("."))
            write_table_as_parquet(session, f"{schema}.{name}", staging / schema / name)
        written = write_exports_from_parquet(staging, manifest, specs, folder, full_refresh)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"exports written to {folder}: {', '.join(written.files) or 'none'}")


def export_tables(schemas: list[str], folder: Path, environ: Mapping[str, str]) -> list[str]:
    """Every table and view of ``schemas`` in the Spark warehouse as Parquet, ``<folder>/<schema>/<name>/``."""
    session = spark_session(environ)
    written = []
    try:
        for schema in schemas:
            for row in session.sql(f"show tables in {schema}").collect():
                if row.isTemporary or row.tableName.endswith("__dbt_staged"):
                    continue
                name = f"{schema}.{row.tableName}"
                write_table_as_parquet(session, name, folder / schema / row.tableName)
                written.append(name)
    finally:
        session.stop()
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m audience.spark build [--exports <folder>] [dbt options]`` or ``export <folder> <schema> ...``.

    The warehouse is AUDIENCE_SPARK_WAREHOUSE, the raw extract AUDIENCE_RAW_DIR, dbt's target DBT_TARGET_PATH.
    """
    argv = sys.argv[1:] if argv is None else argv
    command, arguments = (argv[0], argv[1:]) if argv else ("", [])
    if command == "build":
        target = Path(os.environ.get("DBT_TARGET_PATH", PROJECT_DIR / "target" / "spark"))
        exports = None
        if arguments[:1] == ["--exports"]:
            exports, arguments = Path(arguments[1]), arguments[2:]
        return build_on_spark(arguments, os.environ, target, exports)
    if command == "export" and len(arguments) >= 2:
        export_tables(arguments[1:], Path(arguments[0]), os.environ)
        return 0
    print(main.__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
