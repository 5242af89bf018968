"""The dbt-duckdb plugin: a spill folder that survives dbt-duckdb's per-cursor settings."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from audience.dbt_plugin import connect_options

# What profiles.yml puts under `settings`, which dbt-duckdb SETs on every new cursor.
PROFILE_SETTINGS = {"TimeZone": "UTC", "threads": "2", "memory_limit": "100MB", "preserve_insertion_order": "false"}


def test_temp_directory_only_when_configured() -> None:
    assert connect_options({"temp_directory": ""}) == {}
    assert connect_options({}) == {}
    assert connect_options({"temp_directory": " /data/spill "}) == {"temp_directory": "/data/spill"}


def spill(con: duckdb.DuckDBPyConnection) -> None:
    """A sort far bigger than the memory limit."""
    con.execute("create or replace table big as select range as id, md5(range::varchar) as h from range(4000000)")
    con.execute("create or replace table sorted as select * from big order by h").fetchall()


def test_spill_folder_survives_new_cursors(tmp_path: Path) -> None:
    spill_dir = tmp_path / "spill"
    config = {"memory_limit": "100MB", "threads": 2, **connect_options({"temp_directory": str(spill_dir)})}
    with duckdb.connect(str(tmp_path / "w.duckdb"), config=config) as con:
        spill(con)
        assert spill_dir.is_dir()  # DuckDB spilled where we told it to
        cursor = con.cursor()
        for key, value in PROFILE_SETTINGS.items():  # what dbt-duckdb does for each model
            cursor.execute(f"set {key} = '{value}'").fetchall()
        assert cursor.execute("select current_setting('temp_directory')").fetchall()[0][0] == str(spill_dir)
        # Setting it per cursor, as `settings:` would, is what DuckDB refuses after a spill:
        with pytest.raises(duckdb.Error, match="temporary directory"):
            con.cursor().execute(f"set temp_directory = '{spill_dir}'").fetchall()
