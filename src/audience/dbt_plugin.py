"""dbt-duckdb plugin: sets DuckDB's spill folder once, when dbt opens the warehouse.

dbt-duckdb loads it from ``profiles.yml`` (``plugins: - module:
audience.dbt_plugin``). It sets DuckDB's ``temp_directory`` (where it spills
beyond ``memory_limit``) when one is configured, as a connect-time option.
dbt-duckdb re-applies profile ``settings`` on every cursor, and DuckDB
refuses to set ``temp_directory`` again once something has spilled, even to
the same value; a connect-time option is applied once.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.credentials import DuckDBCredentials
from dbt.adapters.duckdb.plugins import BasePlugin


def connect_options(plugin_config: dict[str, Any]) -> dict[str, str]:
    """DuckDB options to set when the database is opened: temp_directory, if one is given."""
    temp_directory = str(plugin_config.get("temp_directory") or "").strip()
    return {"temp_directory": temp_directory} if temp_directory else {}


class Plugin(BasePlugin):
    """Sets the spill folder when dbt opens the warehouse."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._connect_options = connect_options(plugin_config)

    def update_connection_config(self, creds: DuckDBCredentials, config: dict[str, Any]) -> None:
        config.update(self._connect_options)
