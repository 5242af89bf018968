"""Safe publishing: readers never block a build, and a failed build never changes what readers see."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from audience import publish
from audience.generate import config_with, generate
from audience.publish import clone_or_copy, export_and_tidy, manifest_path, remove_empty_partitions
from conftest import PROJECT_DIR, dbt_env

QUICK_BUILD = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]


@dataclass
class Site:
    root: Path
    raw: Path
    warehouse: Path
    exports: Path

    def env(self) -> dict[str, str]:
        return dbt_env(self.raw, self.warehouse, AUDIENCE_EXPORTS_DIR=str(self.exports))

    def build(self, *args: str) -> subprocess.CompletedProcess:
        """`python -m audience build`, as `make build` runs it."""
        return subprocess.run(
            [sys.executable, "-m", "audience", "build", *QUICK_BUILD, *args],
            cwd=PROJECT_DIR,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digests(folder: Path) -> dict[Path, str]:
    """Every file under ``folder`` (relative path) with the digest of its bytes."""
    return {p.relative_to(folder): digest(p) for p in folder.rglob("*") if p.is_file()}


def contacts(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select count(*) from activation.esp_contacts").fetchall()[0][0]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    root = tmp_path_factory.mktemp("publishing")
    site = Site(root, root / "raw", root / "audience.duckdb", root / "exports")
    generate(config_with(customers=1500, seed=3), site.raw)
    first = site.build()
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    return site


def test_first_build_publishes_warehouse_and_exports(site: Site) -> None:
    assert site.warehouse.exists()
    assert not site.warehouse.with_name("audience.building.duckdb").exists()
    assert site.exports.is_symlink()
    assert (site.exports / "esp_contacts.parquet").exists()
    assert contacts(site.warehouse) > 0
    # the audience report is published with the exports of the build it describes
    assert "<svg" in (site.exports / "audience_report.html").read_text()


def test_a_reader_holding_the_warehouse_does_not_block_the_build(site: Site) -> None:
    reader = duckdb.connect(str(site.warehouse), read_only=True)
    try:
        before = reader.execute("select count(*) from activation.esp_contacts").fetchall()[0][0]
        # Writing the published file in place, as a plain `dbt build` would, is refused:
        # DuckDB allows no writer while another process holds the file.
        direct = subprocess.run(
            [sys.executable, "-c", f"import duckdb; duckdb.connect({str(site.warehouse)!r})"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert direct.returncode != 0
        assert "lock" in direct.stderr.lower()

        rebuilt = site.build("--vars", json.dumps({"email_opt_out_countries": []}))
        assert rebuilt.returncode == 0, rebuilt.stdout[-3000:] + rebuilt.stderr[-3000:]
        # the open reader keeps a consistent view of the build it opened
        assert reader.execute("select count(*) from activation.esp_contacts").fetchall()[0][0] == before
    finally:
        reader.close()
    # new readers see the new build: without opt-out countries fewer people are contactable
    assert contacts(site.warehouse) < before
    exported = duckdb.sql(f"select count(*) from '{site.exports / 'esp_contacts.parquet'}'").fetchall()[0][0]
    assert exported == contacts(site.warehouse)


def test_a_build_failing_halfway_changes_nothing_readers_see(site: Site) -> None:
    warehouse_before = digest(site.warehouse)
    exports_before = os.readlink(site.exports)
    export_files_before = {p.name: digest(p) for p in site.exports.glob("*.parquet")}
    # ab_test_results (a Python model late in the DAG) fails on this value, after most models were rebuilt
    failed = site.build("--vars", json.dumps({"ab_test_alpha": "not a number"}))
    assert failed.returncode != 0
    assert "nothing published" in failed.stderr
    working = site.warehouse.with_name("audience.building.duckdb")
    with duckdb.connect(str(working), read_only=True) as con:
        results = con.execute("select count(*) from information_schema.tables where table_schema = 'marts'")
        assert results.fetchall()[0][0] > 0  # the failed build did write its copy
    assert digest(site.warehouse) == warehouse_before
    assert os.readlink(site.exports) == exports_before
    assert {p.name: digest(p) for p in site.exports.glob("*.parquet")} == export_files_before
    # and the next good build publishes again
    recovered = site.build()
    assert recovered.returncode == 0, recovered.stdout[-3000:]
    assert os.readlink(site.exports) != exports_before


def test_a_selective_build_keeps_the_exports_it_did_not_rebuild(site: Site) -> None:
    before = os.readlink(site.exports)
    exported_before = digests(site.exports)
    assert Path("esp_contacts.parquet") in exported_before
    # a build of the marts alone writes no export; the published exports must stay whole
    marts_only = site.build("--select", "marts")
    assert marts_only.returncode == 0, marts_only.stdout[-3000:] + marts_only.stderr[-3000:]
    assert os.readlink(site.exports) != before
    exported_after = digests(site.exports)
    assert exported_after == exported_before


def test_exports_no_model_owns_are_not_published(site: Site) -> None:
    """An export whose model was removed or renamed must not linger for a sync to keep reading."""
    published = site.exports.parent / os.readlink(site.exports)
    (published / "retired_segment.csv").write_text("external_id\nsomeone\n")
    (published / "retired_lists" / "segment_key=x").mkdir(parents=True)
    (published / "retired_lists" / "segment_key=x" / "data_0.csv").write_text("email\nsomeone@shop.io\n")
    kept = {path: value for path, value in digests(published).items() if not path.parts[0].startswith("retired")}
    assert Path("segment_membership_changes") in {Path(path.parts[0]) for path in kept}

    # a build that rebuilds no export at all still drops them, and only them
    build = site.build("--select", "int_as_of_date")
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert "removed exports no model writes any more: retired_lists, retired_segment.csv" in build.stderr
    assert digests(site.exports) == kept
    # the earlier version is left as it was, for readers still on it
    assert (published / "retired_segment.csv").exists()


def test_the_manifest_is_found_where_dbt_writes_it() -> None:
    environ = {"DBT_PROJECT_DIR": "/project"}
    assert manifest_path(["build"], environ) == Path("/project/target/manifest.json")
    assert manifest_path(["build"], {**environ, "DBT_TARGET_PATH": "/t"}) == Path("/t/manifest.json")
    assert manifest_path(["build", "--target-path", "/a", "-s", "x"], environ) == Path("/a/manifest.json")
    assert manifest_path(["build", "--target-path=/b"], environ) == Path("/b/manifest.json")


def test_rebuilt_exports_never_change_an_earlier_export_version(site: Site) -> None:
    earlier = site.exports.parent / os.readlink(site.exports)
    files_before = digests(earlier)
    # without opt-out countries more people are contactable: the contact export and the
    # segment lists (a partitioned folder the build clears and rewrites) change in the new version
    rebuilt = site.build(
        "--select", "+esp_contacts", "+segment_list_exports", "--vars", json.dumps({"email_opt_out_countries": []})
    )
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:] + rebuilt.stderr[-3000:]
    files_after = digests(site.exports)
    assert files_after[Path("esp_contacts.parquet")] != files_before[Path("esp_contacts.parquet")]
    lists = [path for path in files_before if path.parts[0] == "segment_list_exports"]
    assert lists and any(files_after.get(path) != files_before[path] for path in lists)
    # readers still holding the earlier version see it as it was
    assert digests(earlier) == files_before


def test_the_next_build_parses_only_what_changed(site: Site) -> None:
    """Each build writes to a new export folder; dbt must not re-parse the whole project for it."""
    for _ in range(2):
        started = time.time()
        build = site.build()
        assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    # the profile is the same from build to build, so dbt parses partially (it re-parses everything
    # when a profile value changes, as the export folder did when it was in the profile)
    assert "Unable to do partial parsing" not in build.stdout
    # and the exports went to this build's folder: its segment lists were written by this build
    # (a new version starts as hard links to the files of the one before)
    lists = list((site.exports / "segment_list_exports").rglob("*.csv"))
    assert lists and all(path.stat().st_mtime >= started for path in lists)
    # after several builds: the published export folder and the one before it, no more
    versions = sorted(p.name for p in site.root.glob(".exports-*"))
    assert len(versions) == 2 and versions[-1] == os.readlink(site.exports)


def day_folders(exports: Path) -> set[str]:
    return {p.name for p in (exports / "segment_membership_changes").iterdir()}


def test_a_day_leaving_the_change_log_window_leaves_the_export(site: Site) -> None:
    """Publishing removes the folder of a day that left the window; the table keeps its rows."""
    with duckdb.connect(str(site.warehouse), read_only=True) as con:
        [(as_of,)] = con.execute("select as_of_date from intermediate.int_as_of_date").fetchall()
    earlier = site.exports.parent / os.readlink(site.exports)
    earlier_days = day_folders(earlier)
    later = as_of + timedelta(days=3)
    # a build three days on that exports one day: every earlier day leaves the window
    build = site.build("--vars", json.dumps({"as_of_date": later.isoformat(), "change_log_export_days": 1}))
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    with duckdb.connect(str(site.warehouse), read_only=True) as con:
        logged = con.execute("select distinct cast(changed_at as date) from activation.segment_membership_changes")
        days = {day for (day,) in logged.fetchall()}
    kept = {f"changed_date={day}" for day in days if day >= later}
    assert kept and days - {day for day in days if day >= later}  # the table keeps the days that left
    assert earlier_days - kept, "some day folder must have left the window"
    assert day_folders(site.exports) == kept
    assert "removed export folders without rows: segment_membership_changes/changed_date=" in build.stderr
    # the earlier version keeps its day folders for readers still on it
    assert day_folders(earlier) == earlier_days


def test_partition_folders_without_rows_are_removed(tmp_path: Path) -> None:
    lists = tmp_path / "lists"
    champions = lists / "segment_type=rfm" / "segment_key=champions"
    champions.mkdir(parents=True)
    (champions / "data_0.csv").write_text("email\nann@example.org\n")
    # partitions without rows any more: an overwrite removed their files, not their folders
    (lists / "segment_type=rfm" / "segment_key=hibernating").mkdir()
    (lists / "segment_type=ltv" / "segment_key=top").mkdir(parents=True)
    changes = tmp_path / "segment_membership_changes"
    for day, rows in [("2026-10-01", 0), ("2026-10-02", 2)]:
        folder = changes / f"changed_date={day}"
        folder.mkdir(parents=True)
        duckdb.execute(f"copy (select * from range({rows})) to '{folder / 'data_0.parquet'}' (format parquet)")
        (folder / "data_0.csv").write_text("range\n" + "".join(f"{n}\n" for n in range(rows)))

    assert remove_empty_partitions(tmp_path) == ["segment_membership_changes/changed_date=2026-10-01"]
    left = {path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*=*")}
    assert left == {
        "lists/segment_type=rfm",
        "lists/segment_type=rfm/segment_key=champions",
        "segment_membership_changes/changed_date=2026-10-02",
    }


def test_the_working_copy_is_a_clone_where_the_file_system_has_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "audience.duckdb"
    source.write_bytes(os.urandom(1 << 20))
    copies: list[Path] = []
    real_copyfile = publish.shutil.copyfile

    def copyfile(source: Path, destination: Path) -> None:
        copies.append(destination)
        real_copyfile(source, destination)

    monkeypatch.setattr(publish.shutil, "copyfile", copyfile)

    # whatever this machine's file system does, the copy has the bytes and writing to it leaves the source alone
    copy = tmp_path / "copy.duckdb"
    method = clone_or_copy(source, copy)
    assert method in {"clone", "copy"} and (method == "copy") == (copies == [copy])
    assert copy.read_bytes() == source.read_bytes()
    before = digest(source)
    with open(copy, "r+b") as file:
        file.write(b"changed")
    assert digest(source) == before

    if not sys.platform.startswith("linux"):
        return
    import fcntl

    def refuse(fd: int, request: int, arg: int) -> None:  # ext4, tmpfs: the kernel has no clone for these files
        assert request == publish.FICLONE
        raise OSError(95, "Operation not supported")

    def clone(fd: int, request: int, arg: int) -> None:  # what a btrfs or XFS file system does: share the blocks
        assert request == publish.FICLONE
        os.truncate(fd, 0)
        os.write(fd, os.pread(arg, 1 << 21, 0))

    copies.clear()
    monkeypatch.setattr(fcntl, "ioctl", refuse)
    refused = tmp_path / "refused.duckdb"
    assert clone_or_copy(source, refused) == "copy" and copies == [refused]
    assert refused.read_bytes() == source.read_bytes()
    copies.clear()
    monkeypatch.setattr(fcntl, "ioctl", clone)
    cloned = tmp_path / "cloned.duckdb"
    assert clone_or_copy(source, cloned) == "clone" and copies == []
    assert cloned.read_bytes() == source.read_bytes()


def test_a_report_that_cannot_be_written_does_not_stop_publishing(tmp_path: Path, capsys) -> None:
    """A warehouse without the marts the report reads (a first build with --select): exports go on, no page."""
    warehouse = tmp_path / "partial.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema intermediate")
        con.execute("create table intermediate.int_as_of_date as select date '2026-10-31' as as_of_date")
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text(json.dumps({"nodes": {}}))
    (target / "run_results.json").write_text(json.dumps({"results": []}))
    folder = tmp_path / "exports"

    export_and_tidy(folder, warehouse, target / "manifest.json", build_started=0.0)

    assert "the audience report was not written" in capsys.readouterr().err
    assert folder.is_dir() and not (folder / "audience_report.html").exists()
