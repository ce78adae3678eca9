"""The `calltrack` command.

Core commands live here (run, demo, contract); each domain adds its own through a `register`
function in its `cli` module (simulate, s3, dbt, model, transcribe), so this file stays small.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import sys
from pathlib import Path

from pipelines.settings import Settings

# Modules that add subcommands: each has `register(subparsers) -> None`.
COMMAND_MODULES = (
    "ingest.simulate.cli",
    "pipelines.landing.cli",
    "pipelines.attribution.cli",
    "pipelines.marts.cli",
    "transcribe.cli",
    "models.cli",
)

DEMO_LANDING = "data/landing"


def _settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        landing_uri=getattr(args, "landing", None),
        warehouse_path=getattr(args, "warehouse", None),
        dashboards_dir=getattr(args, "dashboards", None),
    )


def cmd_run(args: argparse.Namespace) -> int:
    from pipelines.runner import run_pipeline

    settings = _settings_from_args(args)
    settings.ensure_local_dirs()
    if settings.uses_dev_secret:
        print("warning: CALLTRACK_CALLER_KEY_SECRET is not set; caller_key uses the dev secret")
    print(f"calltrack run: landing={settings.landing_uri} warehouse={settings.warehouse_path}")
    summary = run_pipeline(settings)
    print(f"done: {summary.runs} runs in {summary.seconds:.0f}s")
    print(f"warehouse:  {Path(settings.warehouse_path).resolve()}")
    index = Path(settings.dashboards_dir) / "index.html"
    if index.exists():
        print(f"dashboards: {index.resolve()}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from ingest.simulate import simulate

    settings = _settings_from_args(args)
    out = Path(settings.landing_uri)
    if settings.landing_is_s3:
        raise SystemExit("calltrack demo writes a local landing zone; unset CALLTRACK_LANDING_URI")
    print(f"simulating {args.days} days ({args.scale}) into {out} ...")
    simulate(out, days=args.days, seed=args.seed, scale=args.scale, start=args.start)
    return cmd_run(args)


def cmd_contract(args: argparse.Namespace) -> int:
    from ingest.contract import render_markdown

    text = render_markdown()
    if args.write:
        Path(args.write).write_text(text + "\n")
        print(f"wrote {args.write}")
    else:
        print(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="calltrack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="materialize every asset in-process")
    demo = sub.add_parser("demo", help="simulate 45 days of data (medium) and run the pipeline")
    for p in (run, demo):
        p.add_argument("--landing", help="landing zone: folder or s3://bucket/prefix")
        p.add_argument("--warehouse", help="DuckDB warehouse file")
        p.add_argument("--dashboards", help="folder for the generated dashboards")
    run.set_defaults(func=cmd_run)
    # 45 days: the first two weeks' 30-day label windows complete, so scoring trains a real model.
    demo.add_argument("--days", type=int, default=45)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--scale", default="medium", choices=["small", "medium", "large"])
    # Arrival days are Dagster partitions up to tomorrow: a simulated period must end in the past.
    demo.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2026, 10, 1))
    demo.set_defaults(func=cmd_demo)

    contract = sub.add_parser("contract", help="print the landing-zone contract as Markdown")
    contract.add_argument("--write", metavar="FILE", help="write it to FILE instead")
    contract.set_defaults(func=cmd_contract)

    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DO_NOT_TRACK", "1")  # dbt's anonymous usage tracking
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
