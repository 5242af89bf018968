"""The audience report opened in a real browser (headless Chromium): every chart drawn, nothing in the console.

The screenshot is left in test-artifacts/audience_report.png. Chromium is
Debian's package; `make test` installs it when it is missing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from audience.report import REPORT_FILE, write_report
from conftest import PROJECT_DIR, Warehouse

pytestmark = pytest.mark.dbt

ARTIFACTS = PROJECT_DIR / "test-artifacts"


def chromium(page: Path, *options: str) -> subprocess.CompletedProcess:
    browser = shutil.which("chromium")
    assert browser, "chromium is not installed (make test installs Debian's package)"
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0", *options]
    return subprocess.run([*command, page.as_uri()], capture_output=True, text=True, timeout=120)


def console_messages(stderr: str) -> list[str]:
    return re.findall(r"CONSOLE[^\]]*\] (.*)", stderr)


def test_a_page_that_writes_to_the_console_is_caught(tmp_path: Path) -> None:
    """The check below can fail: a page with an error in its console is seen."""
    page = tmp_path / "broken.html"
    page.write_text('<html><body><script>console.error("chart failed")</script></body></html>')
    assert any("chart failed" in message for message in console_messages(chromium(page, "--dump-dom").stderr))


def test_the_report_renders_in_chromium(warehouse: Warehouse, tmp_path: Path) -> None:
    page = tmp_path / REPORT_FILE
    sections = write_report(warehouse.path, page)
    dom = chromium(page, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_messages(dom.stderr) == []
    # the page as the browser built it: one drawn chart per section, each with marks
    rendered = dict(re.findall(r'<section id="(\w+)">(.*?)</section>', dom.stdout, re.S))
    assert list(rendered) == sections
    for key, body in rendered.items():
        assert body.count("<svg") == 1, key
        assert len(re.findall(r'<g class="mark-[a-z]+ role-mark[^"]*"[^>]*>\s*<(?:path|text)', body)) >= 1, key

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "audience_report.png"
    screenshot.unlink(missing_ok=True)
    shot = chromium(page, "--hide-scrollbars", "--window-size=1200,6000", f"--screenshot={screenshot}")
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert console_messages(shot.stderr) == []
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 100_000
