"""Run every benchmark of bench/ in turn, each at the size its issue names (`make bench`).

Each script prints its own side-by-side table; this only runs them one after another so that
no two compete for the two cores. Pass script names to run a subset:
`python bench/run_all.py bench_ingest bench_marts`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ORDER = ("bench_simulate", "bench_ingest", "bench_attribution", "bench_marts", "bench_transcribe")


def main(names: list[str]) -> int:
    failed = []
    for name in names or ORDER:
        script = BENCH / f"{name.removesuffix('.py')}.py"
        print(f"\n=== {script.name} ===", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, str(script)], cwd=BENCH.parent)
        print(f"=== {script.name}: exit {rc} after {time.perf_counter() - t0:.0f}s ===", flush=True)
        if rc:
            failed.append(script.name)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
