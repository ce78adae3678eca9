"""Crash safety: SIGKILL the loading process at random points, rerun, and the warehouse must
equal a clean run exactly (table hashes, load ids included), and the DuckDB file must open.

Every file is its own batch (one transaction) here, so kills land between, inside and during
the commit of many transactions. The child prints "ready" once its imports are done, so the
random delay counts from the start of the load, not from interpreter start-up.
"""

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from ingest import synth
from ingest.load import invariant_violations, load_landing, table_hashes

pytestmark = pytest.mark.xdist_group("ingest_crash")

REPO = Path(__file__).resolve().parents[2]
CHILD = textwrap.dedent(
    """
    import sys
    import duckdb
    from ingest.load import ensure_tables, load_landing
    con = duckdb.connect(sys.argv[1])
    ensure_tables(con)
    print("ready", flush=True)
    load_landing(con, sys.argv[2], batch_bytes=1)
    con.close()
    print("done", flush=True)
    """
)


def _landing(root: Path) -> None:
    days = [dt.date(2026, 10, d) for d in (1, 2, 3)]
    n = 0
    for i in range(36):
        day = days[i % 3]
        t = synth.beacons(n, 250, day, seed=i)
        if i % 4 == 0:  # some invalid rows, some duplicates of earlier files
            types = t.column("event_type").to_pylist()
            types[7] = "bogus"
            t = t.set_column(t.schema.get_field_index("event_type"), "event_type", pa.array(types))
            t = pa.concat_tables([t, synth.beacons(max(0, n - 500), 20, day, seed=i)])
        synth.write(t, root, "dni_beacons", day, f"f{i:02d}")
        n += 250
    for i in range(6):
        synth.write(
            synth.call_events(i * 100, 100, days[i % 3]), root, "call_events", days[i % 3], f"c{i}"
        )
    (root / "call_events" / "dt=2026-10-02" / "broken.parquet").write_bytes(b"PAR1\x00broken")


def _start(warehouse: Path, landing: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(warehouse), str(landing)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "ready", proc.stderr.read() if proc.stderr else line
    return proc


def test_sigkill_at_random_points_then_rerun_equals_clean_run(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    _landing(landing)
    clean = duckdb.connect(str(tmp_path / "clean.duckdb"))
    t0 = time.perf_counter()
    load_landing(clean, landing, batch_bytes=1)
    clean_seconds = time.perf_counter() - t0
    expected = table_hashes(clean)
    clean.close()
    assert expected["raw.dni_beacons"][0] > 8000

    rng = random.Random(20261001)
    kills, rounds, round_no = 0, 0, 0
    warehouse = tmp_path / "w0.duckdb"
    while kills < 20 or rounds == 0:
        proc = _start(warehouse, landing)
        # most kills within the load; a few late ones let the round finish
        time.sleep(rng.uniform(0, clean_seconds * 0.6))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            kills += 1
            continue
        out, err = proc.communicate()
        assert proc.returncode == 0, err
        # a round ended: the killed-and-resumed warehouse equals the clean one
        con = duckdb.connect(str(warehouse))
        assert table_hashes(con) == expected
        assert invariant_violations(con) == []
        con.close()
        rounds += 1
        round_no += 1
        warehouse = tmp_path / f"w{round_no}.duckdb"
    # finish the last round without kills and compare once more
    proc = _start(warehouse, landing)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    con = duckdb.connect(str(warehouse), read_only=True)
    assert table_hashes(con) == expected
    assert kills >= 20
