"""Command line: ``python -m audience generate ...`` (synthetic data) and ``python -m audience cdnow`` (CDNOW)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from audience.cdnow import load_cdnow
from audience.generate import config_with, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="audience", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="write the synthetic raw tables as Parquet")
    gen.add_argument("--customers", type=int, default=None, help="people to simulate (default 20000)")
    gen.add_argument("--seed", type=int, default=None, help="random seed (default 42)")
    gen.add_argument("--end-date", default=None, help="load cut-off date, ISO (default 2026-10-31)")
    gen.add_argument("--out", type=Path, default=Path("data/raw"), help="output folder (default data/raw)")
    cdnow = commands.add_parser("cdnow", help="write the real CDNOW transaction log (from lifetimes) as raw tables")
    cdnow.add_argument("--sample", choices=["sample", "master"], default="sample", help="1/10th sample or all")
    cdnow.add_argument("--out", type=Path, default=Path("data/cdnow/raw"), help="output folder")
    args = parser.parse_args(argv)

    if args.command == "generate":
        cfg = config_with(customers=args.customers, seed=args.seed, end_date=args.end_date)
        started = time.perf_counter()
        manifest = generate(cfg, args.out)
        elapsed = time.perf_counter() - started
        print(json.dumps(manifest["rows"], indent=2))
        print(f"wrote {sum(manifest['rows'].values()):,} rows to {args.out} in {elapsed:.1f} s", file=sys.stderr)
    if args.command == "cdnow":
        counts = load_cdnow(args.out, args.sample)
        print(json.dumps(counts, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
