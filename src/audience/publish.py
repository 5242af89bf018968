"""Build into a working copy, publish atomically on success.

BI tools and syncs read the published warehouse file and the published
exports folder while builds run. DuckDB lets one process write a file and
refuses a writer while another process holds it, and a build that fails
halfway would leave some marts new and some old. So a build never touches
what readers see:

1. the published warehouse is copied to ``<name>.building.duckdb`` (an
   incremental build needs the previous state; on a file system with
   copy-on-write clones the copy shares the file's blocks and costs next
   to nothing, elsewhere it is a full copy) and dbt runs on the copy;
2. only when dbt succeeds: the exports of the models it rebuilt are
   written (``audience.exports``, from each model's ``meta.export``) to a
   new version folder ``.<exports>-<build id>``. That folder starts as hard
   links to the published exports, so a build that selects some models
   keeps the exports of the others; each export is written beside its name
   and renamed over it, so rewriting a file replaces the link and never
   changes an earlier version. Exports no model declares any more (its
   model removed, renamed or disabled) are dropped from the new folder, so
   a sync never goes on reading a list nothing updates, and so are
   partition folders without rows; the copy is checkpointed and renamed over the published file
   (``os.replace``: atomic on one file system; readers that hold the old
   file keep reading it, new connections see the new one), and the
   ``exports`` symlink is switched to the new folder the same way;
3. when dbt (or writing an export) fails, nothing published changes; the working copy is kept for
   inspection and the next build starts again from the published file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from audience.exports import export_specs, write_exports
from audience.report import REPORT_FILE, write_report

KEEP_EXPORT_VERSIONS = 2
# Linux's FICLONE ioctl (linux/fs.h; fcntl.FICLONE from Python 3.12): the destination shares the
# source's blocks until either is written (btrfs, XFS with reflink enabled).
FICLONE = 0x40049409


@dataclass(frozen=True)
class Published:
    """Where readers find the warehouse and the exports."""

    warehouse: Path
    exports: Path

    @property
    def working_copy(self) -> Path:
        return self.warehouse.with_name(f"{self.warehouse.stem}.building{self.warehouse.suffix}")

    def export_versions(self) -> list[Path]:
        """Export version folders, oldest first."""
        pattern = f".{self.exports.name}-*"
        return sorted(p for p in self.exports.parent.glob(pattern) if p.is_dir())


def prepare_working_copy(published: Published) -> tuple[Path, str | None]:
    """A fresh copy of the published warehouse (or nothing, for a first build) to build into.

    Returns its path and how it was made (see ``clone_or_copy``; None when
    nothing is published yet).
    """
    working = published.working_copy
    for leftover in (working, Path(f"{working}.wal")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(Path(f"{working}.tmp"), ignore_errors=True)
    if not published.warehouse.exists():
        return working, None
    return working, clone_or_copy(published.warehouse, working)


def clone_or_copy(source: Path, destination: Path) -> str:
    """Copy ``source`` to ``destination`` as a copy-on-write clone where the file system can, else in full.

    Returns ``"clone"`` or ``"copy"``. A clone takes the same time whatever
    the file's size; DuckDB's writes to the copy then allocate new blocks
    and never reach the source.
    """
    if sys.platform.startswith("linux"):
        import fcntl

        with open(source, "rb") as source_file, open(destination, "wb") as destination_file:
            try:
                fcntl.ioctl(destination_file.fileno(), FICLONE, source_file.fileno())
                return "clone"
            except OSError:  # ext4, tmpfs, two file systems...: fall back to copying the bytes
                pass
    shutil.copyfile(source, destination)
    return "copy"


def link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:  # a file system without hard links
        shutil.copy2(source, destination)


def new_export_folder(published: Published, build_id: str) -> Path:
    """The build's export folder: the published exports, linked, for dbt to overwrite what it rebuilds."""
    folder = published.exports.parent / f".{published.exports.name}-{build_id}"
    shutil.rmtree(folder, ignore_errors=True)
    if published.exports.is_dir():
        shutil.copytree(published.exports, folder, copy_function=link_or_copy)
    else:
        folder.mkdir(parents=True)
    return folder


def manifest_path(dbt_args: list[str], environ: Mapping[str, str]) -> Path:
    """Where this dbt run writes manifest.json: --target-path, DBT_TARGET_PATH, else <project>/target."""
    target = environ.get("DBT_TARGET_PATH")
    for position, argument in enumerate(dbt_args):
        if argument == "--target-path" and position + 1 < len(dbt_args):
            target = dbt_args[position + 1]
        elif argument.startswith("--target-path="):
            target = argument.split("=", 1)[1]
    if target is None:
        target = str(Path(environ.get("DBT_PROJECT_DIR", ".")) / "target")
    return Path(target) / "manifest.json"


def owned_export_names(manifest: dict) -> dict[str, set[str]]:
    """The export names the project's models declare, by folder ("" for the top level).

    A model with ``meta.export`` owns the entries named after it in its
    export's folder: ``<model>.parquet``, ``<model>.csv`` and a ``<model>/``
    folder (audience.exports writes nothing else); a folder is owned at the
    top level by the models in it. Disabled models are not in the
    manifest's nodes.
    """
    owned: dict[str, set[str]] = {"": set()}
    for spec in export_specs(manifest):
        if spec.folder:
            owned[""].add(spec.folder)
        owned.setdefault(spec.folder or "", set()).add(spec.name)
    return owned


def remove_unowned_exports(folder: Path, owned: dict[str, set[str]]) -> list[str]:
    """Remove the entries whose name (up to its first dot) no model owns in their folder; return their paths."""
    removed = []
    for name, names in sorted(owned.items()):
        if not (folder / name).is_dir():
            continue
        for entry in sorted((folder / name).iterdir()):
            if entry.name.split(".", 1)[0] in names:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry.relative_to(folder).as_posix())
    return removed


def rows_in(parquet_files: list[str]) -> int:
    """Rows in these Parquet files, from their footers."""
    query = "select coalesce(sum(num_rows), 0) from parquet_file_metadata(?)"
    return duckdb.execute(query, [parquet_files]).fetchall()[0][0]


def remove_empty_partitions(folder: Path) -> list[str]:
    """Remove partition folders (``<column>=<value>``) without rows; return those that held empty Parquet files.

    DuckDB cannot delete a folder: a partition whose rows are gone is left
    as empty files or as an empty folder (an export version starts as a copy
    of the one before, so it may hold either). Both go, and so does a folder
    left empty by that, so the export holds only the partitions it covers.
    """
    removed = []
    for partition in sorted(folder.rglob("*=*"), key=lambda path: len(path.parts), reverse=True):
        if not partition.is_dir():
            continue
        parquet_files = [str(path) for path in partition.glob("*.parquet")]
        if parquet_files and rows_in(parquet_files) == 0:
            shutil.rmtree(partition)
            removed.append(str(partition.relative_to(folder)))
        elif not parquet_files and not any(partition.iterdir()):
            partition.rmdir()
    return removed


def is_fresh(path: Path, build_started: float) -> bool:
    """True when this build wrote ``path`` (a dbt artefact)."""
    return path.exists() and path.stat().st_mtime >= build_started


def export_and_tidy(
    folder: Path, working: Path, manifest: Path, build_started: float, full_refresh: bool = False
) -> None:
    """Write the exports of the models this build rebuilt and the audience report; drop what no model declares
    and partitions without rows."""
    run_results = manifest.with_name("run_results.json")
    if not (is_fresh(manifest, build_started) and is_fresh(run_results, build_started)):
        print(f"no dbt artefacts from this build at {manifest.parent}: no export written or removed", file=sys.stderr)
        return
    written = write_exports(working, manifest.parent, folder, full_refresh=full_refresh)
    try:
        write_report(working, folder / REPORT_FILE)
    except duckdb.Error as error:  # a build without some marts (a first build with --select): no report, no halt
        print(f"the audience report was not written: {error}", file=sys.stderr)
    owned = owned_export_names(json.loads(manifest.read_text()))
    owned[""].add(REPORT_FILE.split(".", 1)[0])
    removed = remove_unowned_exports(folder, owned)
    if removed:
        print(f"removed exports no model writes any more: {', '.join(removed)}", file=sys.stderr)
    emptied = written.removed_days + remove_empty_partitions(folder)
    if emptied:
        print(f"removed export folders without rows: {', '.join(emptied)}", file=sys.stderr)


def swap_symlink(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` atomically (a real folder in the way is moved aside once)."""
    if link.exists() and not link.is_symlink():
        link.rename(link.with_name(f".{link.name}-legacy-{time.strftime('%Y%m%d%H%M%S')}"))
    temporary = link.with_name(f".{link.name}.swap")
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(target.name if target.parent == link.parent else target.resolve())
    os.replace(temporary, link)


def publish(published: Published, working: Path, export_folder: Path) -> None:
    """Make the working copy and the new exports what readers see."""
    with duckdb.connect(str(working)) as con:  # fold the WAL into the file before it moves
        con.execute("checkpoint").fetchall()
    os.replace(working, published.warehouse)
    swap_symlink(published.exports, export_folder)
    for old in published.export_versions()[:-KEEP_EXPORT_VERSIONS]:
        if old != export_folder:
            shutil.rmtree(old, ignore_errors=True)


def build_and_publish(dbt_args: list[str], published: Published, dbt: str | None = None) -> int:
    """Run ``dbt <dbt_args>`` on a working copy; publish it only if dbt succeeds. Returns dbt's exit code."""
    dbt = dbt or str(Path(sys.executable).with_name("dbt"))
    started = time.time()
    build_id = time.strftime("%Y%m%d%H%M%S") + f"-{os.getpid()}"
    working, _ = prepare_working_copy(published)
    export_folder = new_export_folder(published, build_id)
    env = dict(os.environ, AUDIENCE_DUCKDB_PATH=str(working))
    result = subprocess.run([dbt, *dbt_args], env=env, check=False)
    if result.returncode != 0:
        shutil.rmtree(export_folder, ignore_errors=True)
        print(
            f"dbt failed (exit {result.returncode}): nothing published; "
            f"{published.warehouse} and {published.exports} are unchanged, the failed build is in {working}",
            file=sys.stderr,
        )
        return result.returncode
    try:
        export_and_tidy(
            export_folder, working, manifest_path(dbt_args, os.environ), started, "--full-refresh" in dbt_args
        )
    except (duckdb.Error, OSError, ValueError) as error:
        shutil.rmtree(export_folder, ignore_errors=True)
        print(f"writing the exports failed ({error}): nothing published; {working} holds the build", file=sys.stderr)
        return 1
    publish(published, working, export_folder)
    print(f"published {published.warehouse} and {published.exports} -> {export_folder.name}", file=sys.stderr)
    return 0
