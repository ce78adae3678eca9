"""Benchmark: `calltrack simulate --scale large` against a plain pyarrow floor.

Side by side in one run, each in its own process (peak RSS is per process, sampled with psutil):

- calltrack: `simulate(out, scale=..., days=...)`, the realistic generator (sessions, pools,
  calls, conversions, spend, mess, truth), written per day;
- floor (pyarrow): the same number of rows per feed, as uniform random values in the contract's
  schemas, written with the same Parquet options in as many files. Nothing is simulated, so its
  rows per second is the floor of what writing this much Parquet costs on this machine.

Usage: .venv/bin/python bench/bench_simulate.py [--scale large] [--days 30] [--out DIR] [--keep]
Figures are recorded in bench/README.md (section bench-simulate).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]

CALLTRACK = """
import json, sys
from ingest.simulate import simulate
s = simulate(sys.argv[1], scale=sys.argv[2], days=int(sys.argv[3]))
print(json.dumps({"rows": s.rows, "files": s.files, "beacons": s.beacons, "calls": s.calls,
                  "sessions": s.sessions}))
"""

FLOOR = """
import json, sys
from pathlib import Path
import numpy as np, pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq
from ingest import contract
from ingest.simulate.writer import WRITE_OPTIONS
out, rows, files = Path(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
rng = np.random.default_rng(0)

def column(t, n):
    if t == contract.TEXT:
        return pc.cast(pa.array(rng.integers(0, 10**12, n)), pa.string())
    if t == contract.INSTANT:
        return pa.array(rng.integers(1.7e15, 1.8e15, n)).cast(t)
    if t == contract.DAY:
        return pa.array(rng.integers(20000, 20400, n).astype(np.int32)).cast(t)
    if t == contract.MONEY:
        return pa.array(rng.integers(0, 10**6, n).astype(np.int32)).cast(t)
    return pa.array(rng.integers(0, 1000, n)).cast(t)

for feed, n in rows.items():
    schema = contract.feed(feed).schema
    k = max(1, files[feed])
    for i in range(k):
        m = n // k + (1 if i < n % k else 0)
        table = pa.table([column(f.type, m) for f in schema], schema=schema)
        path = out / feed / f"dt={i:04d}" / "part.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path, **WRITE_OPTIONS)
print(json.dumps({"rows": rows, "files": files}))
"""


def run(code: str, *args: str) -> tuple[dict, float, float]:
    """Run `code` in a fresh interpreter; (its JSON output, wall seconds, peak RSS MiB)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, env=env, cwd=ROOT
    )
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, ps.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    out = proc.stdout.read() if proc.stdout else b""
    if proc.returncode:
        raise SystemExit(f"benchmark child failed with {proc.returncode}")
    return json.loads(out.decode().strip().splitlines()[-1]), wall, peak / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--out", type=Path, help="work folder (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()
    work = args.out or Path(tempfile.mkdtemp(prefix="bench_simulate_"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        sim, sim_wall, sim_rss = run(CALLTRACK, str(work / "calltrack"), args.scale, str(args.days))
        floor, floor_wall, floor_rss = run(
            FLOOR, str(work / "floor"), json.dumps(sim["rows"]), json.dumps(sim["files"])
        )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    rows = sum(sim["rows"].values())
    files = sum(sim["files"].values())
    print(
        f"simulate --scale {args.scale} --days {args.days}: {sim['sessions']:,} sessions, "
        f"{sim['beacons']:,} beacons, {sim['calls']:,} calls; {rows:,} rows in {files:,} files\n"
    )
    header = f"{'contender':<34} {'rows':>12} {'wall s':>8} {'rows/s':>10} {'peak RSS MiB':>13}"
    print(header)
    print("-" * len(header))
    for name, wall, rss in (
        ("calltrack simulate (realistic)", sim_wall, sim_rss),
        ("pyarrow floor (random, same rows)", floor_wall, floor_rss),
    ):
        print(f"{name:<34} {rows:>12,} {wall:>8.1f} {rows / wall:>10,.0f} {rss:>13,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
