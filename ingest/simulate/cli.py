"""`calltrack simulate`: write a simulated landing zone (and its ground truth) to a folder."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from ingest.simulate.mess import MessRates
from ingest.simulate.profiles import DEFAULT_RECORDING_RATE, SCALES


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 0.5:
        raise argparse.ArgumentTypeError(f"a rate within [0, 0.5], got {text}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `calltrack simulate`."""
    p = subparsers.add_parser(
        "simulate",
        help="write a simulated landing zone with ground truth (for demos, tests, benchmarks)",
        description="Write every landing-zone feed, recordings and the ground truth (_truth/).",
    )
    defaults = MessRates()
    p.add_argument("--out", required=True, type=Path, help="landing folder to write (empty)")
    p.add_argument("--days", type=int, default=30, help="days simulated (default 30)")
    p.add_argument("--seed", type=int, default=7, help="same seed, same bytes (default 7)")
    p.add_argument("--scale", choices=list(SCALES), default="medium", help="default medium")
    p.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        default=dt.date(2026, 10, 1),
        help="first day, YYYY-MM-DD (default 2026-10-01)",
    )
    mess = p.add_argument_group("messy data (shares of each event feed's rows)")
    mess.add_argument("--duplicate-rate", type=_rate, default=defaults.duplicate_rate)
    mess.add_argument("--conflict-rate", type=_rate, default=defaults.conflict_rate)
    mess.add_argument("--late-rate", type=_rate, default=defaults.late_rate)
    mess.add_argument(
        "--bad-row-rate", type=_rate, default=defaults.bad_row_rate, help="per kind of breakage"
    )
    mess.add_argument("--no-corrupt-file", action="store_true", help="skip the truncated file")
    mess.add_argument("--clean", action="store_true", help="no mess at all (overrides rates)")
    mess.add_argument(
        "--plain-names", action="store_true", help="ASCII campaign/keyword names, no markup"
    )
    rec = p.add_argument_group("recordings")
    rec.add_argument("--no-recordings", action="store_true", help="write no recordings")
    rec.add_argument(
        "--recording-rate",
        type=_rate,
        default=DEFAULT_RECORDING_RATE,
        help=f"share of answered calls and voicemails recorded (default {DEFAULT_RECORDING_RATE})",
    )
    rec.add_argument("--max-recordings", type=int, help="cap per run (default: the scale's)")
    p.set_defaults(func=cmd_simulate)


def cmd_simulate(args: argparse.Namespace) -> int:
    from ingest.simulate import simulate

    if args.clean:
        mess = MessRates.clean()
    else:
        mess = MessRates(
            duplicate_rate=args.duplicate_rate,
            conflict_rate=args.conflict_rate,
            late_rate=args.late_rate,
            bad_row_rate=args.bad_row_rate,
            corrupt_file=not args.no_corrupt_file,
        )
    summary = simulate(
        args.out,
        days=args.days,
        seed=args.seed,
        scale=args.scale,
        start=args.start,
        mess=mess,
        recordings=not args.no_recordings,
        recording_rate=args.recording_rate,
        max_recordings=args.max_recordings,
        plain_names=args.plain_names,
    )
    print(
        f"simulated {summary.days} days ({summary.scale}, seed {summary.seed}) into {summary.out}: "
        f"{summary.accounts} accounts, {summary.sessions:,} sessions, {summary.beacons:,} beacons, "
        f"{summary.calls:,} calls, {summary.conversions:,} conversions, "
        f"{summary.recordings:,} recordings, {summary.total_rows:,} rows in "
        f"{sum(summary.files.values()):,} files, {summary.seconds:.1f}s"
    )
    print(f"ground truth: {summary.out / '_truth'}")
    return 0
