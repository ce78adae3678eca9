"""Subcommands of the landing domain: `calltrack s3` (a local S3 server), `calltrack upload`
(copy a local landing zone to S3) and `calltrack ingest` (load the landing zone, no Dagster)."""

from __future__ import annotations

import argparse
import signal
import time
from pathlib import Path

from pipelines.settings import Settings


def cmd_s3(args: argparse.Namespace) -> int:
    from ingest.s3server import S3Server

    server = S3Server(Path(args.dir), s3_port=args.port)

    def _terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM stops the server like Ctrl-C: no orphaned `weed`

    signal.signal(signal.SIGTERM, _terminate)
    server.start()
    server.create_bucket(args.bucket)
    print(f"SeaweedFS S3 on {server.endpoint_url} (data in {args.dir}); Ctrl-C stops it.")
    print("Point calltrack at it:")
    for k, v in server.env().items():
        print(f"  export {k}={v}")
    print(f"  export CALLTRACK_LANDING_URI=s3://{args.bucket}/landing")
    print(
        f"Upload a landing zone: calltrack upload data/landing s3://{args.bucket}/landing",
        flush=True,
    )
    try:
        while server.process is not None and server.process.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def cmd_upload(args: argparse.Namespace) -> int:
    from ingest.landing import S3Landing

    s = Settings.from_env()
    target = S3Landing(
        args.uri,
        endpoint_url=s.s3_endpoint_url,
        region=s.s3_region,
        access_key_id=s.aws_access_key_id,
        secret_access_key=s.aws_secret_access_key,
    )
    n = target.upload_dir(args.source)
    print(f"uploaded {n} files from {args.source} to {args.uri}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.landing import open_landing
    from ingest.load import load_landing

    s = Settings.from_env(landing_uri=args.landing, warehouse_path=args.warehouse)
    report = load_landing(s.warehouse_path, open_landing(s.landing_uri, s), days=args.day or None)
    print(
        f"files loaded {len(report.files)}, skipped {report.skipped}; rows read "
        f"{report.rows_read}, accepted {report.rows_accepted}, quarantined "
        f"{report.rows_quarantined}, duplicates {report.rows_duplicate}"
    )
    for code, n in report.reasons.items():
        print(f"  quarantined {code}: {n}")
    for c in report.changed:
        print(f"  CHANGED after loading (not reloaded): {c.key}")
    return 1 if report.changed else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("s3", help="run a local S3 server (SeaweedFS) on 127.0.0.1")
    p.add_argument("--dir", default="data/s3", help="data folder (default data/s3)")
    p.add_argument("--port", type=int, default=8333, help="S3 port (default 8333)")
    p.add_argument("--bucket", default="calltrack", help="bucket to create (default calltrack)")
    p.set_defaults(func=cmd_s3)

    p = subparsers.add_parser("upload", help="copy a local landing zone to s3://bucket/prefix")
    p.add_argument("source", help="local landing folder")
    p.add_argument("uri", help="s3://bucket/prefix")
    p.set_defaults(func=cmd_upload)

    p = subparsers.add_parser("ingest", help="load new landing files into raw.* (no Dagster)")
    p.add_argument("--landing", help="landing URI (default: CALLTRACK_LANDING_URI)")
    p.add_argument("--warehouse", help="warehouse file (default: CALLTRACK_WAREHOUSE)")
    p.add_argument("--day", action="append", help="only this arrival day (repeatable)")
    p.set_defaults(func=cmd_ingest)
