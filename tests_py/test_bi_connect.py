"""BI tools reach the warehouse as the README's recipes connect them.

The DuckDB drivers BI tools ship lag behind the newest DuckDB, so the
warehouse file must open in the oldest DuckDB the README names (installed
by `make test` beside the venv's own); Superset connects through
duckdb-engine's SQLAlchemy URL; anything else reads the marts' Parquet files
(published when AUDIENCE_EXPORT_MARTS is true).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import sqlalchemy

from audience.exports import export_specs, write_specs
from conftest import PROJECT_DIR, Warehouse, run_dbt

MARTS_TABLES = (
    "select table_name from information_schema.tables where table_schema = 'marts' and table_type = 'BASE TABLE'"
)


def oldest_duckdb() -> str:
    """The version the Makefile installs as the oldest DuckDB the file must open in."""
    return re.search(r"^OLDEST_DUCKDB \?= (.+)$", (PROJECT_DIR / "Makefile").read_text(), re.MULTILINE).group(1)


def mart_rows(warehouse: Warehouse) -> dict[str, int]:
    tables = [name for (name,) in warehouse.query(MARTS_TABLES)]
    return {name: warehouse.query(f'select count(*) from marts."{name}"')[0][0] for name in tables}


def test_the_warehouse_opens_in_the_oldest_duckdb_the_readme_names(warehouse: Warehouse) -> None:
    version = oldest_duckdb()
    assert f"DuckDB {version.rsplit('.', 1)[0]} or later" in (PROJECT_DIR / "README.md").read_text()
    library = Path(sys.executable).parent.parent / f"duckdb-{version}"
    script = f"""
import json, duckdb
assert duckdb.__version__ == {version!r}, duckdb.__version__
con = duckdb.connect({str(warehouse.path)!r}, read_only=True)
tables = [name for (name,) in con.execute({MARTS_TABLES!r}).fetchall()]
print(json.dumps({{name: con.execute(f'select count(*) from marts."{{name}}"').fetchall()[0][0] for name in tables}}))
"""
    # -I: the older DuckDB from its own folder only, never the venv's
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(library)!r})\n{script}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = json.loads(result.stdout)
    assert rows == mart_rows(warehouse) and rows["customers"] > 0


def test_every_mart_is_published_as_parquet_when_asked(warehouse: Warehouse, tmp_path: Path) -> None:
    """Off by default (the session's build published none); with AUDIENCE_EXPORT_MARTS=true, one file per mart."""
    assert not (warehouse.path.parent / "exports" / "marts").exists()
    parsed = run_dbt(["parse"], warehouse.raw_dir, warehouse.path, tmp_path / "target", AUDIENCE_EXPORT_MARTS="true")
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    marts = [spec for spec in export_specs(manifest) if spec.folder == "marts"]
    with warehouse.connect() as con:
        write_specs(con, manifest, marts, tmp_path / "exports", full_refresh=True)
    expected = mart_rows(warehouse)
    files = {path.stem: path for path in (tmp_path / "exports" / "marts").glob("*.parquet")}
    assert set(files) == set(expected)
    # read by another engine than the one that wrote them (Arrow's Parquet reader)
    assert {name: pq.read_metadata(path).num_rows for name, path in files.items()} == expected
    columns = [name for (name,) in warehouse.query("select column_name from (describe marts.customers)")]
    assert pq.read_schema(files["customers"]).names == columns


def test_superset_connects_with_the_readmes_sqlalchemy_url(warehouse: Warehouse) -> None:
    """Superset's DuckDB connection is duckdb-engine's SQLAlchemy URL, read-only."""
    expected = warehouse.query("select count(*) from marts.customers")[0][0]
    engine = sqlalchemy.create_engine(f"duckdb:///{warehouse.path}", connect_args={"read_only": True})
    try:
        with engine.connect() as connection:
            tables = sqlalchemy.inspect(connection).get_table_names(schema="marts")
            customers = connection.execute(sqlalchemy.text("select count(*) from marts.customers")).scalar_one()
    finally:
        engine.dispose()  # one process may not hold the file under two configurations
    assert {"customers", "customer_segments", "fct_orders", "campaign_performance"} <= set(tables)
    assert customers == expected > 0
    assert "duckdb:///" in (PROJECT_DIR / "README.md").read_text()
