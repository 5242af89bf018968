"""Command line: ``python -m audience generate ...`` (synthetic data), ``python -m audience cdnow`` (CDNOW),
``python -m audience build [dbt build options]`` (build into a working copy, publish it and its exports atomically
on success), ``python -m audience export`` (write the exports of the last dbt run in place, without publishing),
``python -m audience report`` (the audience report of the warehouse)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from audience.cdnow import load_cdnow, propensity_holdout_check
from audience.exports import write_exports
from audience.generate import config_with, generate
from audience.hostile import append_hostile_day, hostile_load_time
from audience.publish import Published, build_and_publish
from audience.report import REPORT_FILE, write_report
from audience.retail import load_online_retail, recommendation_check


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="audience", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="write the synthetic raw tables as Parquet")
    gen.add_argument("--customers", type=int, default=None, help="people to simulate (default 20000)")
    gen.add_argument("--seed", type=int, default=None, help="random seed (default 42)")
    gen.add_argument("--end-date", default=None, help="load cut-off date, ISO (default 2026-10-31)")
    gen.add_argument(
        "--end-hour",
        type=int,
        default=None,
        help="hours of the end date whose loads are written, 1-24 (default 24: the whole day; 1: an hourly batch)",
    )
    gen.add_argument(
        "--people-per-block",
        type=int,
        default=None,
        help="simulate orders, email and web events this many people at a time (default 250000; ~8 GB per million)",
    )
    gen.add_argument("--out", type=Path, default=Path("data/raw"), help="output folder (default data/raw)")
    gen.add_argument(
        "--hostile",
        action="store_true",
        help="append a load of malformed and adversarial rows, with _hostile_manifest.json (see audience.hostile)",
    )
    cdnow = commands.add_parser("cdnow", help="write the real CDNOW transaction log (from lifetimes) as raw tables")
    cdnow.add_argument("--sample", choices=["sample", "master"], default="sample", help="1/10th sample or all")
    cdnow.add_argument("--out", type=Path, default=Path("data/cdnow/raw"), help="output folder")
    retail = commands.add_parser(
        "retail", help="write the UCI Online Retail log (reference/uci_online_retail) as raw tables"
    )
    retail.add_argument("--out", type=Path, default=Path("data/retail/raw"), help="output folder")
    retail_check = commands.add_parser(
        "retail-check",
        help="hit@3 of the recommendations on the 90 days after 2011-09-09, against best sellers",
        description="Reads a warehouse built on the log as of 2011-09-09 (make retail).",
    )
    retail_check.add_argument("--warehouse", type=Path, default=Path("retail.duckdb"), help="the retail warehouse")
    holdout = commands.add_parser(
        "cdnow-propensity",
        help="ROC AUC of buying again in CDNOW's 13-week holdout: customer_propensity vs BG/NBD",
        description="Reads a warehouse built on CDNOW as of 1997-09-30 with a 91-day purchase window (make cdnow).",
    )
    holdout.add_argument("--warehouse", type=Path, default=Path("cdnow.duckdb"), help="the CDNOW warehouse")
    holdout.add_argument("--raw", type=Path, default=Path("data/cdnow/raw"), help="its raw tables")
    commands.add_parser(
        "build",
        help="dbt build into a working copy; publish the warehouse and exports only if it succeeds",
        description="Any further arguments go to `dbt build`. Paths: AUDIENCE_DUCKDB_PATH, AUDIENCE_EXPORTS_DIR.",
    )
    export = commands.add_parser(
        "export",
        help="write the file exports of the models the last dbt run rebuilt (meta.export), in place",
        description="For a warehouse built by plain `dbt build`; `audience build` does this and publishes atomically.",
    )
    export.add_argument("--target-path", type=Path, default=Path("target"), help="the dbt run's artefacts (target)")
    export.add_argument("--full-refresh", action="store_true", help="the run was a full refresh: write every day")
    report = commands.add_parser(
        "report",
        help="write the audience report (a static HTML page) of the warehouse",
        description="Publishing writes it into each build's exports; this writes it on its own.",
    )
    report.add_argument("--out", type=Path, default=None, help=f"the page (default <exports>/{REPORT_FILE})")
    args, dbt_args = parser.parse_known_args(argv)
    if dbt_args and args.command != "build":
        parser.error(f"unrecognized arguments: {' '.join(dbt_args)}")

    if args.command == "build":
        published = Published(
            warehouse=Path(os.environ.get("AUDIENCE_DUCKDB_PATH", "audience.duckdb")),
            exports=Path(os.environ.get("AUDIENCE_EXPORTS_DIR", "exports")),
        )
        return build_and_publish(["build", *dbt_args], published)

    if args.command == "export":
        written = write_exports(
            Path(os.environ.get("AUDIENCE_DUCKDB_PATH", "audience.duckdb")),
            args.target_path,
            Path(os.environ.get("AUDIENCE_EXPORTS_DIR", "exports")),
            full_refresh=args.full_refresh,
        )
        print(f"wrote {', '.join(written.files) or 'no export'}", file=sys.stderr)
        return 0

    if args.command == "report":
        out = args.out or Path(os.environ.get("AUDIENCE_EXPORTS_DIR", "exports")) / REPORT_FILE
        sections = write_report(Path(os.environ.get("AUDIENCE_DUCKDB_PATH", "audience.duckdb")), out)
        print(f"wrote {out} ({', '.join(sections)})", file=sys.stderr)
        return 0

    if args.command == "generate":
        cfg = config_with(
            customers=args.customers,
            seed=args.seed,
            end_date=args.end_date,
            end_hour=args.end_hour,
            people_per_block=args.people_per_block,
        )
        if args.hostile and cfg.end_hour != 24:
            parser.error("--hostile lands its rows late on the end date: it needs the whole day (no --end-hour)")
        started = time.perf_counter()
        manifest = generate(cfg, args.out)
        if args.hostile:
            landed = hostile_load_time(cfg.end_date)
            hostile = append_hostile_day(args.out, 1, landed, people_loaded_before=landed)
            manifest["rows"] = {t: n + len(hostile.rows.get(t, [])) for t, n in manifest["rows"].items()}
        elapsed = time.perf_counter() - started
        print(json.dumps(manifest["rows"], indent=2))
        print(f"wrote {sum(manifest['rows'].values()):,} rows to {args.out} in {elapsed:.1f} s", file=sys.stderr)
    if args.command == "cdnow":
        counts = load_cdnow(args.out, args.sample)
        print(json.dumps(counts, indent=2))
    if args.command == "retail":
        print(json.dumps(load_online_retail(args.out), indent=2))
    if args.command == "retail-check":
        print(recommendation_check(args.warehouse).to_string(index=False))
    if args.command == "cdnow-propensity":
        print(propensity_holdout_check(args.warehouse, args.raw).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
