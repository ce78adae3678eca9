"""Benchmark: the daily incremental dbt run vs a full rebuild, on a 30-day warehouse.

    .venv/bin/python bench/bench_marts.py                   # medium scale, 30 days
    .venv/bin/python bench/bench_marts.py --scale small     # a quick look

Simulates 30 days, ingests days 1..29 (ingest.load) and attributes them (pipelines.attribution),
builds the marts once, then lands day 30 and times, side by side on the same warehouse:
- daily: `dbt run` after day 30 arrived (all that arrived on the last simulated day, with the
  few stragglers that trail in after it: the last arrival day alone holds only those): the
  incremental models (call-event pivot, int_calls_joined, fct_calls, fct_sessions,
  fct_attribution_touches, the pool models) process only what changed;
- full: `dbt run --full-refresh`: every model rebuilt from all 30 days (the peer: what a
  project without incremental models does every day).
Both are dbt subprocesses (as Dagster runs them); wall time and peak RSS of the process tree
are measured, plus dbt's own per-model execution times from run_results.json, which leave out
dbt's fixed start-up (parsing, connecting) and show the cost of the SQL itself.
The target of issue 5: daily <= 10% of full.

`--amplify K` makes the warehouse K times bigger without simulating K times longer: after all
30 days are ingested and attributed once, every call, conversion and session is cloned K-1
times under new ids (call_id~k, session_id~k, caller_key~k...), then the call events and
conversions that arrived on or after the last simulated day (and the attribution of their new
calls, and the web sessions and pool-number assignments that started that day) are held
back, the marts built, and the held rows put back as the next load (new _load_id,
attributed_at = now), which is what ingestion and attribution's incremental run leave behind
on a real day (less the older sessions a real run recomputes after straggling beacons).
The cloned tables are then put in time order (_TIME_ORDER), the layout that 30 daily runs
leave, each appending its day.
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

# the "facts s" column: the call and session facts (the pool models are timed in the model list)
INCREMENTAL_MODELS = (
    "int_call_events_pivoted",
    "fct_calls",
    "fct_sessions",
    "fct_attribution_touches",
)
SECRET = "bench-secret"
SIM_START = dt.date(2026, 10, 1)


def run_measured(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Run `cmd`; return (wall seconds, peak RSS in MiB of the process and its children)."""
    # the writes before (setting the warehouse up, copying it, the run before) reach the disk
    # first: otherwise the run's first commit waits for them (a copied 2 GB warehouse cost the
    # daily run's first commit ~0.5 s) and the page cache writes them back during the run
    os.sync()
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


def slowest_models(target: Path, n: int = 12) -> str:
    """The n slowest models of the last run, `name seconds` per line."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    ranked = sorted(results, key=lambda r: -r["execution_time"])[:n]
    return "\n".join(
        f"  {r['unique_id'].split('.')[-1]:<36}{r['execution_time']:>8.2f}" for r in ranked
    )


def dbt(args: list[str], settings: Settings, target: Path) -> tuple[float, float, float, float]:
    env = {**os.environ, **dbt_env(settings)}
    cmd = [DBT_EXECUTABLE, *args, "--quiet", "--target-path", str(target)]
    wall, rss = run_measured(cmd, env, DBT_PROJECT_DIR)
    print(f"dbt {' '.join(args)}: {wall:.1f}s wall; slowest models (s):")
    print(slowest_models(target), flush=True)
    return (wall, rss, *model_seconds(target))


# (table, columns that get the clone suffix): every id the marts join on, so clones never meet
# their originals.
_CLONES = (
    ("raw.call_events", ("event_id", "call_id")),
    ("raw.conversions", ("event_id", "call_id")),
    ("attribution.conversion_caller_keys", ("event_id", "caller_key")),
    ("attribution.sessions", ("session_id", "visitor_id")),
    ("attribution.number_assignments", ("session_id",)),
    ("attribution.call_attribution", ("call_id", "session_id", "visitor_id", "caller_key")),
    ("attribution.touches", ("call_id", "session_id")),
)


# (table, its rows in time order): the order a warehouse filled by daily runs has, each run
# appending its day's rows. The clones were appended as k copies of the whole month, which no
# real warehouse looks like (every day's rows spread over k blocks): zone maps could prune
# nothing for the daily run's "since the watermark / within the lookback" scans.
_TIME_ORDER = (
    ("raw.call_events", "select * from raw.call_events order by _arrival_date, occurred_at"),
    ("raw.conversions", "select * from raw.conversions order by _arrival_date, occurred_at"),
    ("attribution.sessions", "select * from attribution.sessions order by started_at"),
    (
        "attribution.number_assignments",
        "select * from attribution.number_assignments order by assigned_at",
    ),
    (
        "attribution.call_attribution",
        "select * from attribution.call_attribution order by started_at",
    ),
    (
        "attribution.touches",
        "select t.* from attribution.touches as t "
        "left join attribution.call_attribution as c using (call_id) order by c.started_at",
    ),
)


def amplified_warehouse(landing: Path, warehouse: Path, k: int, last_day: str) -> None:
    """All days ingested + attributed, cloned k times, what arrived from `last_day` on held back
    in bench_held_* tables (see the module docstring)."""
    load_landing(warehouse, landing)
    with duckdb.connect(str(warehouse)) as con:
        run_attribution(con, SECRET)
        for table, cols in _CLONES:
            replace = ", ".join(f"t.{c} || '~' || r.k as {c}" for c in cols)
            # table and column names are this module's constants, k is a parameter
            con.execute(
                f"insert into {table} select t.* replace ({replace}) "
                f"from {table} as t cross join range(1, ?) as r(k)",
                [k],
            )
        for table, ordered in _TIME_ORDER:
            # delete + insert keeps the table's definition (constraints, column order)
            con.execute(f"create temp table bench_ordered as {ordered}")
            con.execute(f"delete from {table}")
            con.execute(f"insert into {table} select * from bench_ordered")
            con.execute("drop table bench_ordered")
        day = dt.date.fromisoformat(last_day)
        for feed in ("call_events", "conversions"):
            con.execute(
                f"create table raw.bench_held_{feed} as "
                f"select * from raw.{feed} where _arrival_date >= ?",
                [day],
            )
            con.execute(f"delete from raw.{feed} where _arrival_date >= ?", [day])
        held_calls = """select call_id from raw.bench_held_call_events
                        where event_type = 'call.started'"""
        for table in ("call_attribution", "touches"):
            con.execute(
                f"create table attribution.bench_held_{table} as select * "
                f"from attribution.{table} where call_id in ({held_calls})"
            )
            con.execute(f"delete from attribution.{table} where call_id in ({held_calls})")
        # the web sessions (and their pool numbers) that started on the last day arrive with it
        held_sessions = "select session_id from attribution.sessions where started_at >= ?"
        day_start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        for table in ("number_assignments", "sessions"):
            con.execute(
                f"create table attribution.bench_held_{table} as select * "
                f"from attribution.{table} where session_id in ({held_sessions})",
                [day_start],
            )
            con.execute(
                f"delete from attribution.{table} where session_id in ({held_sessions})",
                [day_start],
            )


def release_held_day(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        next_load = con.execute("select max(_load_id) + 1 from raw.call_events").fetchone()[0]
        for feed in ("call_events", "conversions"):
            con.execute(
                f"insert into raw.{feed} select * replace (? as _load_id) "
                f"from raw.bench_held_{feed}",
                [next_load],
            )
        con.execute(
            "insert into attribution.call_attribution select * replace "
            "(now() as attributed_at) from attribution.bench_held_call_attribution"
        )
        con.execute("insert into attribution.touches from attribution.bench_held_touches")
        # as the engine writes them: the day's sessions, and the older sessions its calls were
        # attributed to, carry the run's computed_at
        con.execute(
            "insert into attribution.sessions select * replace (now() as computed_at) "
            "from attribution.bench_held_sessions"
        )
        con.execute(
            "insert into attribution.number_assignments select * replace "
            "(now() as computed_at) from attribution.bench_held_number_assignments"
        )
        con.execute(
            "update attribution.sessions set computed_at = now() "
            "where session_id in (select session_id from attribution.bench_held_call_attribution)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="medium", choices=["small", "medium"])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--amplify", type=int, default=1, help="clone every call k times")
    parser.add_argument(
        "--keep",
        type=Path,
        help="folder holding the warehouse as it stands before the daily run (built and saved "
        "there if missing, copied from there if present), to time the daily run again without "
        "rebuilding; the folder must belong to the same --scale/--days/--seed/--amplify",
    )
    parser.add_argument(
        "--daily-only", action="store_true", help="time only the daily run (no full rebuild)"
    )
    args = parser.parse_args()

    if args.keep is not None:
        # a fixed path: dbt's partial parsing hashes the profile's values, the warehouse path
        # among them, so a fresh temporary folder per run made every kept run parse from scratch
        work = args.keep.resolve() / "work"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="bench_marts_"))
    try:
        landing = work / "landing"
        t0 = time.perf_counter()
        warehouse = work / "warehouse.duckdb"
        settings = Settings(warehouse_path=str(warehouse))
        target = work / "target"
        kept = args.keep is not None and (args.keep / "warehouse.duckdb").exists()
        if kept:
            # the saved state: warehouse before the daily run + its dbt target (partial parsing)
            shutil.copyfile(args.keep / "warehouse.duckdb", warehouse)
            shutil.copytree(args.keep / "target", target)
            last = (args.keep / "last_day").read_text().strip()
        else:
            simulate(landing, days=args.days, seed=args.seed, scale=args.scale, start=SIM_START)
            arrival_days = sorted(p.name[3:] for p in (landing / "call_events").glob("dt=*"))
            # the last simulated day: the arrival days after it hold only a few stragglers, so
            # the daily run gets them too (a real day's worth of data, not a straggler's)
            last = (SIM_START + dt.timedelta(days=args.days - 1)).isoformat()
        if kept:
            pass
        elif args.amplify > 1:
            amplified_warehouse(landing, warehouse, args.amplify, last)
            prepare_warehouse(settings)
            dbt(["run", "--full-refresh"], settings, target)  # the build before the day
            release_held_day(warehouse)
        else:
            load_landing(warehouse, landing, days=[d for d in arrival_days if d < last])
            with duckdb.connect(str(warehouse)) as con:
                run_attribution(con, SECRET)
            prepare_warehouse(settings)
            dbt(["run", "--full-refresh"], settings, target)  # the build before the day
            load_landing(warehouse, landing, days=[d for d in arrival_days if d >= last])
            with duckdb.connect(str(warehouse)) as con:
                run_attribution(con, SECRET)
        if args.keep is not None and not kept:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(warehouse, args.keep / "warehouse.duckdb")
            shutil.copytree(target, args.keep / "target", dirs_exist_ok=True)
            (args.keep / "last_day").write_text(last + "\n")
        with duckdb.connect(str(warehouse)) as con:
            calls = con.execute("select count(distinct call_id) from raw.call_events").fetchone()
            events = con.execute("select count(*) from raw.call_events").fetchone()
            beacons = con.execute("select count(*) from raw.dni_beacons").fetchone()
        setup = time.perf_counter() - t0

        daily = dbt(["run"], settings, target)
        full = None if args.daily_only else dbt(["run", "--full-refresh"], settings, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"\n30-day warehouse ({args.scale}, {args.days} days, seed {args.seed}, "
        f"x{args.amplify}): {calls[0]:,} "
        f"calls, {events[0]:,} call events, {beacons[0]:,} beacons; daily run = arrivals from "
        f"{last}; setup {setup:.0f}s; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n"
    )
    header = f"{'run':<28}{'wall s':>9}{'peak RSS MiB':>14}{'models s':>10}{'facts s':>9}"
    print(header)
    print("-" * len(header))
    for name, (wall, rss, total, facts) in (
        ("calltrack daily (incr.)", daily),
        *([("full rebuild (peer)", full)] if full else []),
    ):
        print(f"{name:<28}{wall:>9.1f}{rss:>14.0f}{total:>10.2f}{facts:>9.2f}")
    print("-" * len(header))
    if full is None:
        return
    print(
        f"{'daily / full':<28}{daily[0] / full[0]:>9.0%}{'':>14}"
        f"{daily[2] / full[2]:>10.0%}{daily[3] / full[3]:>9.0%}"
    )


if __name__ == "__main__":
    main()
