"""dbt-duckdb plugin: prepares the file system the warehouse writes to.

dbt-duckdb loads it from ``profiles.yml`` (``plugins: - module:
audience.dbt_plugin``) when it opens the warehouse. DuckDB's COPY does not
create folders, so the exports folder must exist before the first activation
model writes its files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin


def ensure_folders(config: dict[str, Any]) -> list[Path]:
    """Create every folder named by a ``*_dir`` key of the plugin config; return them."""
    folders = [Path(str(value)) for key, value in config.items() if key.endswith("_dir") and value]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    return folders


class Plugin(BasePlugin):
    """Creates the folders named in the plugin's config when dbt opens the warehouse."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        ensure_folders(plugin_config)
