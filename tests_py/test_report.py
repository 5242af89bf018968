"""The audience report: one self-contained page, every section a drawn chart, its figures those of the marts."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from audience.report import REPORT_FILE, write_report
from conftest import PROJECT_DIR, Warehouse, dbt_env

pytestmark = pytest.mark.dbt

SECTIONS = ["segment_sizes", "lifecycle_flows", "rfm_grid", "cluster_profiles", "clv", "ab_tests", "data_quality"]


@pytest.fixture(scope="module")
def report(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The page of the test warehouse, cut into its sections (id -> html)."""
    path = tmp_path_factory.mktemp("report") / REPORT_FILE
    assert write_report(warehouse.path, path) == SECTIONS
    page = path.read_text(encoding="utf-8")
    sections = dict(re.findall(r'<section id="(\w+)">(.*?)</section>', page, re.S))
    sections["page"] = page
    return sections


def test_every_section_is_there_with_a_chart_that_has_marks(report: dict[str, str]) -> None:
    assert [key for key in report if key != "page"] == SECTIONS
    for key in SECTIONS:
        charts = re.findall(r"<svg.*?</svg>", report[key], re.S)
        assert len(charts) == 1, key
        # Vega draws marks as paths in groups of class mark-<type>; an empty chart has the groups but no paths
        marks = re.findall(r'<g class="mark-(?:rect|symbol|rule|text)[^"]*"[^>]*>(.*?)</g>', charts[0], re.S)
        assert sum(part.count("<path") + part.count("<text") for part in marks) >= 3, key


def test_the_page_needs_no_network_and_runs_no_script(report: dict[str, str]) -> None:
    page = report["page"]
    assert "<script" not in page and "<link" not in page and "<iframe" not in page
    # the SVGs' xmlns are names, not requests; nothing else may point outside the file
    assert re.findall(r'(?:src|href)\s*=\s*"(?:https?:)?//', page) == []
    assert "@import" not in page and "url(http" not in page


def test_segment_sizes_are_the_published_ones(report: dict[str, str], warehouse: Warehouse) -> None:
    sizes = warehouse.query(
        "select segment_type || ': ' || segment_name, contact_count from activation.segment_sizes "
        "where segment_type <> 'trigger'"
    )
    assert sizes
    for segment, contacts in sizes:
        assert re.search(
            rf"<td>{re.escape(segment)}</td>\s*<td>[^<]*</td>\s*<td>[^<]*</td>\s*<td>{contacts:,}</td>",
            report["segment_sizes"],
        ), segment


def test_data_quality_adds_up_to_the_raw_rows(report: dict[str, str], warehouse: Warehouse) -> None:
    quarantined = dict(
        warehouse.query("select source_name || '.' || source_table, count(*) from marts.quarantined_records group by 1")
    )
    raw_orders = warehouse.query("select count(*) from staging.stg_shop__orders")[0][0]
    rows = dict(
        (source, (int(raw.replace(",", "")), int(clean.replace(",", "")), int(bad.replace(",", ""))))
        for source, raw, clean, bad in re.findall(
            r"<td>([a-z_]+\.[a-z_]+)</td>\s*<td>([\d,]+)</td>\s*<td>([\d,]+)</td>\s*<td>([\d,]+)</td>",
            report["data_quality"],
        )
    )
    assert len(rows) == 10
    assert rows["shop.orders"][0] == raw_orders
    for source, (raw, clean, bad) in rows.items():
        assert raw == clean + bad and bad == quarantined.get(source, 0), source


def test_the_bgnbd_fit_check_is_drawn_from_its_mart(report: dict[str, str], warehouse: Warehouse) -> None:
    assert warehouse.query("select count(*) from marts.clv_repeat_purchase_fit")[0][0] == 8
    assert "BG/NBD fit: buyers by repeat purchases" in report["clv"]
    assert "7+" in report["clv"]


def test_the_report_command_writes_the_page(warehouse: Warehouse, tmp_path: Path) -> None:
    out = tmp_path / "page.html"
    command = [sys.executable, "-m", "audience", "report", "--out", str(out)]
    env = dbt_env(warehouse.raw_dir, warehouse.path)
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert out.read_text(encoding="utf-8").count("<svg") == len(SECTIONS)
