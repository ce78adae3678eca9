"""Ingestion benchmark: calltrack's loader vs the floor, side by side in the same run.

Data: N dni_beacons (default 10M) in F files (default 100) over 10 arrival days, with 5% natural
duplicates (rows repeated from another file) and 1% invalid rows (unknown event types, non-E.164
numbers, missing session ids), generated vectorized by `ingest.synth`.

Contenders, each in its own fresh process and fresh DuckDB file (peak RSS per process from
`os.wait4`):
- floor: `INSERT INTO t SELECT * FROM read_parquet([...])` — no validation, no dedupe, no ledger;
- calltrack: `ingest.load.load_landing` — validation, dedupe, quarantine, ledger, exactly once.

    .venv/bin/python bench/bench_ingest.py [--rows 10000000] [--files 100] [--workdir DIR]
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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingest import synth  # noqa: E402

DAYS = 10


def _invalid_kind(ids: np.ndarray) -> np.ndarray:
    """-1 for a valid row, else which way the row is broken (0, 1, 2): 1% of ids, spread by a
    multiplicative hash so duplicates can be drawn from valid rows only."""
    h = (ids * 2654435761) % 1000
    return np.where(h < 10, h % 3, -1)


def _break(t: pa.Table, ids: np.ndarray) -> pa.Table:
    kind = _invalid_kind(ids)
    for k, name, value in (
        (0, "event_type", "page.exploded"),  # unknown_event_type
        (1, "session_id", None),  # missing_required_field
        (2, "tracking_number", "555-0100"),  # invalid_e164 (when the row has a number)
    ):
        i = t.schema.get_field_index(name)
        col = t.column(i)
        if k == 2:
            # only rows that carry a number can have a bad one: break the event type instead
            has = pc.is_valid(col).to_numpy(zero_copy_only=False)
            kind = np.where((kind == 2) & ~has, 0, kind)
            continue
        t = t.set_column(i, name, pc.if_else(pa.array(kind == k), value, col))
    i = t.schema.get_field_index("tracking_number")
    t = t.set_column(i, "tracking_number", pc.if_else(pa.array(kind == 2), "555-0100", t.column(i)))
    i = t.schema.get_field_index("event_type")
    return t.set_column(
        i, "event_type", pc.if_else(pa.array(kind == 0), "page.exploded", t.column(i))
    )


def generate(root: Path, rows: int, files: int, seed: int = 1) -> dict[str, int]:
    """Write the landing zone; returns the injected counts."""
    rng = np.random.default_rng(seed)
    per_file = rows // files
    dup_per_file = int(per_file * 0.05)
    fresh = per_file - dup_per_file
    start = dt.date(2026, 10, 1)
    invalid = 0
    previous: pa.Table | None = None
    for i in range(files):
        day = start + dt.timedelta(days=i * DAYS // files)
        first = i * fresh
        ids = np.arange(first, first + fresh)
        invalid += int((_invalid_kind(ids) >= 0).sum())
        clean = synth.beacons(first, fresh, day, seed=i)
        t = _break(clean, ids)
        # natural duplicates: exact copies of valid rows of the previous file (of this one for
        # the first file); keeping one clean table in memory keeps generation O(rows)
        src, src_first = (previous, first - fresh) if previous is not None else (clean, first)
        pool = rng.integers(src_first, src_first + fresh, dup_per_file * 2)
        pick = pool[_invalid_kind(pool) < 0][:dup_per_file] - src_first
        table = pa.concat_tables([t, src.take(pa.array(pick))])
        synth.write(table, root, "dni_beacons", day, f"part-{i:04d}")
        previous = clean
    return {"rows": per_file * files, "duplicates": dup_per_file * files, "invalid": invalid}


FLOOR = """
import sys, duckdb, glob
con = duckdb.connect(sys.argv[1])
con.execute("SET enable_progress_bar = false")
files = sorted(glob.glob(sys.argv[2] + '/dni_beacons/dt=*/*.parquet'))
con.execute("CREATE TABLE t AS SELECT * FROM read_parquet($f) LIMIT 0", {"f": files})
con.execute("INSERT INTO t SELECT * FROM read_parquet($f)", {"f": files})
print(con.execute("SELECT count(*) FROM t").fetchone()[0])
"""

CALLTRACK = """
import sys, json
from ingest.load import load_landing
from ingest.warehouse import connect
r = load_landing(connect(sys.argv[1]), sys.argv[2])
print(json.dumps({"read": r.rows_read, "accepted": r.rows_accepted,
                  "quarantined": r.rows_quarantined, "duplicates": r.rows_duplicate}))
"""


def run(code: str, warehouse: Path, landing: Path) -> tuple[float, float, str]:
    """(seconds, peak RSS in MiB, stdout) of `code` in a fresh process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(warehouse), str(landing)],
        stdout=subprocess.PIPE,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    out = proc.stdout.read().decode() if proc.stdout else ""
    if status != 0:
        raise RuntimeError(f"contender failed ({status}): {out}")
    return seconds, usage.ru_maxrss / 1024, out.strip()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--files", type=int, default=100)
    p.add_argument("--workdir", type=Path, default=None)
    args = p.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    landing = work / "landing"
    if landing.exists():
        shutil.rmtree(landing)
    t0 = time.perf_counter()
    injected = generate(landing, args.rows, args.files)
    size = sum(f.stat().st_size for f in landing.rglob("*.parquet"))
    print(
        f"generated {injected['rows']:,} beacons in {args.files} files "
        f"({size / 2**20:.0f} MiB Parquet) in {time.perf_counter() - t0:.0f}s; "
        f"injected {injected['duplicates']:,} duplicates, {injected['invalid']:,} invalid rows"
    )
    results = []
    for name, code in (
        ("floor: INSERT ... read_parquet", FLOOR),
        ("calltrack load_landing", CALLTRACK),
    ):
        wh = work / f"{name.split(':')[0].split()[0]}.duckdb"
        wh.unlink(missing_ok=True)
        seconds, rss, out = run(code, wh, landing)
        results.append((name, seconds, rss, out))
        wh.unlink(missing_ok=True)
    print()
    print("| contender | wall s | rows/s | peak RSS MiB | result |")
    print("| --- | ---: | ---: | ---: | --- |")
    for name, seconds, rss, out in results:
        print(
            f"| {name} | {seconds:.1f} | {injected['rows'] / seconds:,.0f} | {rss:,.0f} | {out} |"
        )
    floor, ours = results[0][1], results[1][1]
    print(
        f"\ncalltrack throughput = {floor / ours:.2f} x the floor (target >= 0.5); "
        f"peak RSS {results[1][2] / 1024:.2f} GiB (target < 4)"
    )
    got = json.loads(results[1][3])
    assert got["duplicates"] == injected["duplicates"], got
    assert got["quarantined"] == injected["invalid"], got
    if args.workdir is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
