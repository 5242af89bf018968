"""Our macros and generic tests, run by dbt on fixtures with known defects (tests_py/macro_project)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import DBT, PROJECT_DIR, dbt_env

MACRO_PROJECT = PROJECT_DIR / "tests_py" / "macro_project"

# Failing rows each generic test must find in the fixtures. Each test is
# configured with error_if/warn_if "!=N", so it passes only on exactly N.
EXPECTED_FAILURES = {
    "valid_email": 6,  # rows: ann.lee@gmail appears twice
    "non_negative": 1,
    "accepted_range_fixture_numbers_rate__1__0": 2,
    "rate_exclusive_range": 4,
    "score_min_only": 1,
    "expression_is_true_fixture_numbers_amount_0": 2,
    "expression_with_where": 1,
    "unique_combination_of_columns_fixture_numbers_rate": 0,
    "kind_is_not_unique": 1,
    "reconciles_when_balanced": 0,
    "reconciles_catches_a_lost_row": 1,
    "every_macro_returns_what_it_should": 0,
    "quarantine_reason_is_known_fixture_validated": 1,
    "reason_known_at_staging": 3,
    "recent_keys_are_unique": 3,
    "recent_rows_have_amounts": 3,
    "recent_keys_of_the_view_are_unique": 3,
    "recent_rows_of_the_view_have_amounts": 3,
    "recent_versions_are_unique": 1,
}


def run_macro_project(root: Path, *args: str, exit_code: int = 0) -> Path:
    """Run dbt on the macro project with its own warehouse and exports under ``root``; return the target folder.

    dbt must exit with ``exit_code`` (1: some test failed)."""
    target = root / "target"
    paths = ["--project-dir", str(MACRO_PROJECT), "--target-path", str(target), "--log-path", str(root / "logs")]
    result = subprocess.run(
        [DBT, *args, *paths],
        cwd=MACRO_PROJECT,
        env=dbt_env(root, root / "macros.duckdb"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == exit_code, result.stdout[-4000:]
    return target


@pytest.fixture(scope="module")
def macro_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    target = run_macro_project(tmp_path_factory.mktemp("macro_project"), "build")
    results = json.loads((target / "run_results.json").read_text())["results"]
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    return {r["unique_id"]: {**r, "config": nodes[r["unique_id"]]["config"]} for r in results}


def test_tests_on_recent_loads_check_every_row_by_default_and_on_a_full_refresh(tmp_path: Path) -> None:
    """The recent loads' where (fixture_loads, 3 and 3 failing of 5 and 4; its view, 3 and 3 of 5 and 5; as a
    history, 1 of 5) is every row when the var is null and on --full-refresh: the tests then find every repeated key
    and missing amount, and fail their thresholds. (A build of all three would skip the models, downstream of the
    seed's failing tests.)"""
    every_row = {
        "recent_keys_are_unique": 5,
        "recent_rows_have_amounts": 4,
        "recent_keys_of_the_view_are_unique": 5,
        "recent_rows_of_the_view_have_amounts": 5,
        "recent_versions_are_unique": 5,
    }
    models = ["fixture_loads_view", "fixture_history"]
    run_macro_project(tmp_path, "seed", "-s", "fixture_loads")
    run_macro_project(tmp_path, "run", "-s", *models)
    of_the_seed, of_the_view, of_the_history = list(every_row)[:2], list(every_row)[2:4], list(every_row)[4:]
    every_key = ["--vars", "{tests_on_recent_loads_hours: null}"]
    for args, tests in (
        (["test", *every_key, "-s", "fixture_loads", *models], every_row),
        (["build", "--full-refresh", "-s", "fixture_loads"], of_the_seed),
        (["build", "--full-refresh", "-s", "fixture_loads_view"], of_the_view),
        (["build", "--full-refresh", "-s", "fixture_history"], of_the_history),
    ):
        target = run_macro_project(tmp_path, *args, exit_code=1)
        results = json.loads((target / "run_results.json").read_text())["results"]
        failures = {r["unique_id"].split(".")[2]: r["failures"] for r in results if r["unique_id"].startswith("test.")}
        assert failures == {name: every_row[name] for name in tests}, args


@pytest.mark.parametrize(("test_name", "failures"), sorted(EXPECTED_FAILURES.items()))
def test_generic_test_finds_exactly_the_bad_rows(macro_run: dict[str, dict], test_name: str, failures: int) -> None:
    matches = [r for uid, r in macro_run.items() if uid.startswith("test.") and uid.split(".")[2].startswith(test_name)]
    assert len(matches) == 1, f"{test_name}: {sorted(macro_run)}"
    test = matches[0]
    thresholds = {test["config"]["error_if"].replace(" ", ""), test["config"]["warn_if"].replace(" ", "")}
    assert thresholds == {f"!={failures}"}
    assert test["status"] == "pass", test.get("message")
