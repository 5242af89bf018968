"""dbt-duckdb plugin: prepares the file system the warehouse writes to.

dbt-duckdb loads it from ``profiles.yml`` (``plugins: - module:
audience.dbt_plugin``) when it opens the warehouse. It

- creates the exports folder: DuckDB's COPY does not create folders, and the
  activation models write there. The folder is read from the environment
  (``AUDIENCE_EXPORTS_DIR``, as the ``exports_dir()`` macro does), not from
  the profile: ``python -m audience build`` gives every build a new export
  folder, and a profile value that changes makes dbt re-parse the whole
  project (5 s) instead of the files that changed;
- sets DuckDB's ``temp_directory`` (where it spills beyond ``memory_limit``)
  when one is configured, once, when the database is opened. dbt-duckdb
  re-applies profile ``settings`` on every cursor, and DuckDB refuses to set
  ``temp_directory`` again once something has spilled, even to the same
  value; a connect-time option is applied once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.credentials import DuckDBCredentials
from dbt.adapters.duckdb.plugins import BasePlugin

EXPORTS_DIR_VARIABLE = "AUDIENCE_EXPORTS_DIR"


def exports_dir(environ: Mapping[str, str]) -> str:
    """The exports folder, with the default of the ``exports_dir()`` macro."""
    return environ.get(EXPORTS_DIR_VARIABLE, "exports")


def ensure_folders(config: dict[str, Any]) -> list[Path]:
    """Create every folder named by a ``*_dir`` key of the plugin config; return them."""
    folders = [Path(str(value)) for key, value in config.items() if key.endswith("_dir") and value]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    return folders


def connect_options(plugin_config: dict[str, Any]) -> dict[str, str]:
    """DuckDB options to set when the database is opened: temp_directory, if one is given."""
    temp_directory = str(plugin_config.get("temp_directory") or "").strip()
    return {"temp_directory": temp_directory} if temp_directory else {}


class Plugin(BasePlugin):
    """Creates the exports folder and sets the spill folder when dbt opens the warehouse."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        ensure_folders({"exports_dir": exports_dir(os.environ), **plugin_config})
        self._connect_options = connect_options(plugin_config)

    def update_connection_config(self, creds: DuckDBCredentials, config: dict[str, Any]) -> None:
        config.update(self._connect_options)
