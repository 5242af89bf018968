"""Our snapshot staging table (macros/snapshot_staging_table.sql) against dbt's own, on tests_py/snapshot_project.

The project's three snapshots are built over three days twice: with our
macros (the staging table from one join) and with only the as-of time macro
(dbt's default__snapshot_staging_table). Every version must be the same,
and the versions are also checked against what the fixture's changes make
them by hand.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import DBT, PROJECT_DIR, dbt_env

SNAPSHOT_PROJECT = PROJECT_DIR / "tests_py" / "snapshot_project"
SNAPSHOTS = ("checked_invalidated", "timestamped_two_keys", "checked_ignoring_deletes")
DAYS = (1, 2, 3)


def build_three_days(root: Path, macro_files: tuple[str, ...]) -> tuple[Path, str]:
    """Copy the project under ``root`` with these files of the main project's macros; build it on each day.

    Returns the warehouse and dbt's debug log."""
    project = root / "project"
    shutil.copytree(SNAPSHOT_PROJECT, project, ignore=shutil.ignore_patterns("target", "logs"))
    (project / "macros").mkdir()
    for name in macro_files:
        shutil.copy(PROJECT_DIR / "macros" / name, project / "macros" / name)
    warehouse = root / "snapshots.duckdb"
    paths = ["--project-dir", str(project), "--log-path", str(root / "logs")]
    for day in DAYS:
        result = subprocess.run(
            [DBT, "build", "--vars", f"{{day: {day}}}", *paths],
            cwd=project,
            env=dbt_env(root, warehouse),
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout[-4000:]
    return warehouse, (root / "logs" / "dbt.log").read_text()


def versions(warehouse: Path, snapshot: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = con.execute(f"select * from main.{snapshot}").df()
    return frame.sort_values(["row_key", "part", "dbt_valid_from"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    return {
        "ours": build_three_days(
            tmp_path_factory.mktemp("ours"), ("snapshot_get_time.sql", "snapshot_staging_table.sql")
        ),
        "dbt": build_three_days(tmp_path_factory.mktemp("dbt"), ("snapshot_get_time.sql",)),
    }


def test_each_build_used_the_staging_table_it_was_given(builds: dict[str, tuple[Path, str]]) -> None:
    assert builds["ours"][1].count("dbt_in_source") >= len(SNAPSHOTS) * (len(DAYS) - 1)
    assert "dbt_in_source" not in builds["dbt"][1]


@pytest.mark.parametrize("snapshot", SNAPSHOTS)
def test_every_version_is_the_same_as_with_dbts_staging_table(
    builds: dict[str, tuple[Path, str]], snapshot: str
) -> None:
    ours, theirs = (versions(builds[name][0], snapshot) for name in ("ours", "dbt"))
    pd.testing.assert_frame_equal(ours, theirs)


def spans(warehouse: Path, snapshot: str) -> set[tuple]:
    """(key, amount, first day, last day or None) of each version."""
    frame = versions(warehouse, snapshot)
    return {
        (
            row.row_key,
            None if pd.isna(row.amount) else int(row.amount),
            row.dbt_valid_from.day,
            None if pd.isna(row.dbt_valid_to) else row.dbt_valid_to.day,
        )
        for row in frame.itertuples()
    }


def test_the_versions_are_the_fixtures_changes(builds: dict[str, tuple[Path, str]]) -> None:
    """By hand from fixture_rows: day 2 changes b, d and e (f only in an unchecked column), drops c, adds g; day 3
    drops b and brings c back."""
    warehouse = builds["ours"][0]
    # the versions that do not depend on how deletes are handled
    same_either_way = {
        ("a", 10, 1, None),
        ("b", 20, 1, 2),
        ("d", None, 1, 2),
        ("d", 40, 2, None),
        ("e", 50, 1, 2),
        ("e", None, 2, None),
        ("f", 60, 1, None),
        ("g", 70, 2, None),
    }
    # deletes closed: b's second version ends on day 3, c's first on day 2, and c comes back on day 3
    assert spans(warehouse, "checked_invalidated") == same_either_way | {
        ("b", 21, 2, 3),
        ("c", 30, 1, 2),
        ("c", 30, 3, None),
    }
    # deletes ignored: b and c keep their open versions, and c coming back is no change
    assert spans(warehouse, "checked_ignoring_deletes") == same_either_way | {("b", 21, 2, None), ("c", 30, 1, None)}
    # the timestamp strategy versions f too: its changed_at moved with its unchecked column
    timestamped = spans(warehouse, "timestamped_two_keys")
    assert ("f", 60, 1, 2) in timestamped and len(timestamped) == 12
