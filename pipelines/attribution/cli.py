"""`calltrack attribute`: bring the attribution tables up to date without Dagster (the same
engine the `attribution/*` assets run), or rebuild them from scratch with `--full`."""

from __future__ import annotations

import argparse

from pipelines.settings import Settings


def cmd_attribute(args: argparse.Namespace) -> int:
    from ingest.warehouse import connect
    from pipelines.attribution.engine import quality, run_attribution

    s = Settings.from_env(warehouse_path=args.warehouse)
    if s.uses_dev_secret:
        print("warning: caller_key uses the development secret; set CALLTRACK_CALLER_KEY_SECRET")
    con = connect(s.warehouse_path)
    try:
        stats = run_attribution(con, s.caller_key_secret, full=args.full)
        q = quality(con)
    finally:
        con.close()
    print(
        f"attribution {stats.mode} ({stats.reason}): {stats.sessions_recomputed} sessions, "
        f"{stats.calls_recomputed} calls recomputed in {stats.seconds.get('total', 0.0):.1f}s"
    )
    coverage = "n/a" if q.coverage is None else f"{q.coverage:.1%}"
    ambiguity = "n/a" if q.ambiguity_rate is None else f"{q.ambiguity_rate:.1%}"
    print(
        f"{q.calls} calls, {q.pool_calls} on pool numbers: {q.matched} matched, "
        f"{q.ambiguous} ambiguous, {q.unattributed_pool} unattributed "
        f"(coverage {coverage}, ambiguity {ambiguity})"
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "attribute",
        help="update the attribution tables from raw (incremental; --full rebuilds)",
    )
    p.add_argument("--warehouse", help="warehouse file (default: CALLTRACK_WAREHOUSE)")
    p.add_argument("--full", action="store_true", help="rebuild everything from raw")
    p.set_defaults(func=cmd_attribute)
