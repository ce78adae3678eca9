"""Benchmark: the daily incremental dbt run vs a full rebuild, on a 30-day warehouse.

    .venv/bin/python bench/bench_marts.py                   # medium scale, 30 days
    .venv/bin/python bench/bench_marts.py --scale small     # a quick look

Simulates 30 days, ingests days 1..29 (ingest.load) and attributes them (pipelines.attribution),
builds the marts once, then lands day 30 and times, side by side on the same warehouse:
- daily: `dbt run` after day 30 arrived: the incremental facts (int_call_events_pivoted,
  fct_calls, fct_sessions, fct_attribution_touches) process only what changed;
- full: `dbt run --full-refresh`: every model rebuilt from all 30 days (the peer: what a
  project without incremental models does every day).
Both are dbt subprocesses (as Dagster runs them); wall time and peak RSS of the process tree
are measured, plus dbt's own per-model execution times from run_results.json, which leave out
dbt's fixed start-up (parsing, connecting) and show the cost of the SQL itself.
The target of issue 5: daily <= 10% of full.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.load import load_landing  # noqa: E402
from ingest.simulate import simulate  # noqa: E402
from pipelines.attribution.engine import run_attribution  # noqa: E402
from pipelines.marts.cli import prepare_warehouse  # noqa: E402
from pipelines.marts.project import DBT_EXECUTABLE, DBT_PROJECT_DIR, dbt_env  # noqa: E402
from pipelines.settings import Settings  # noqa: E402

INCREMENTAL_MODELS = (
    "int_call_events_pivoted",
    "fct_calls",
    "fct_sessions",
    "fct_attribution_touches",
)
SECRET = "bench-secret"


def run_measured(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Run `cmd`; return (wall seconds, peak RSS in MiB of the process and its children)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [ps, *ps.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed with {proc.returncode}")
    return wall, peak / 2**20


def model_seconds(target: Path) -> tuple[float, float]:
    """(all models, the incremental facts) execution seconds from dbt's run_results.json."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    total = sum(r["execution_time"] for r in results)
    facts = sum(
        r["execution_time"] for r in results if r["unique_id"].split(".")[-1] in INCREMENTAL_MODELS
    )
    return total, facts


def dbt(args: list[str], settings: Settings, target: Path) -> tuple[float, float, float, float]:
    env = {**os.environ, **dbt_env(settings)}
    cmd = [DBT_EXECUTABLE, *args, "--quiet", "--target-path", str(target)]
    wall, rss = run_measured(cmd, env, DBT_PROJECT_DIR)
    return (wall, rss, *model_seconds(target))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="medium", choices=["small", "medium"])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench_marts_"))
    try:
        landing = work / "landing"
        t0 = time.perf_counter()
        simulate(landing, days=args.days, seed=args.seed, scale=args.scale)
        arrival_days = sorted(p.name[3:] for p in (landing / "call_events").glob("dt=*"))
        last = arrival_days[-1]
        warehouse = work / "warehouse.duckdb"
        settings = Settings(warehouse_path=str(warehouse))
        load_landing(warehouse, landing, days=arrival_days[:-1])
        with duckdb.connect(str(warehouse)) as con:
            run_attribution(con, SECRET)
        prepare_warehouse(settings)
        target = work / "target"
        dbt(["run", "--full-refresh"], settings, target)  # the build before the day arrives
        load_landing(warehouse, landing, days=[last])
        with duckdb.connect(str(warehouse)) as con:
            run_attribution(con, SECRET)
            calls = con.execute("select count(distinct call_id) from raw.call_events").fetchone()
            events = con.execute("select count(*) from raw.call_events").fetchone()
            beacons = con.execute("select count(*) from raw.dni_beacons").fetchone()
        setup = time.perf_counter() - t0

        daily = dbt(["run"], settings, target)
        full = dbt(["run", "--full-refresh"], settings, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"\n30-day warehouse ({args.scale}, {args.days} days, seed {args.seed}): {calls[0]:,} "
        f"calls, {events[0]:,} call events, {beacons[0]:,} beacons; daily run = arrival day "
        f"{last}; setup {setup:.0f}s; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n"
    )
    header = f"{'run':<28}{'wall s':>9}{'peak RSS MiB':>14}{'models s':>10}{'facts s':>9}"
    print(header)
    print("-" * len(header))
    for name, (wall, rss, total, facts) in (
        ("calltrack daily (incr.)", daily),
        ("full rebuild (peer)", full),
    ):
        print(f"{name:<28}{wall:>9.1f}{rss:>14.0f}{total:>10.2f}{facts:>9.2f}")
    print("-" * len(header))
    print(
        f"{'daily / full':<28}{daily[0] / full[0]:>9.0%}{'':>14}"
        f"{daily[2] / full[2]:>10.0%}{daily[3] / full[3]:>9.0%}"
    )


if __name__ == "__main__":
    main()
