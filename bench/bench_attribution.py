"""Benchmark: calltrack attribution vs pandas (merge_asof) and Polars (join_asof) references.

    .venv/bin/python bench/bench_attribution.py                      # 10M beacons, 1M calls
    .venv/bin/python bench/bench_attribution.py --beacons 1e6 --calls 1e5   # a quick look

Generates raw tables vectorized in DuckDB (ingestion's own DDL), then runs each implementation
in its own process (so peak RSS is its own) and prints a table: wall time, peak RSS, and whether
the per-call result (status, candidate count, winning session) is identical to calltrack's.

What is timed:
- calltrack: `run_attribution(full=True)` on the warehouse file: reads raw, writes all five
  attribution tables (sessions with channels, holds, call attribution with caller keys and
  first-time flags, touches of five models, conversion keys). It does more than the references.
- calltrack-match: the same engine code restricted to what the references compute
  (`match_pool_calls`: sessions' beacons and holds, candidates, status), returned as an Arrow
  table like the references' frames, nothing persisted.
- pandas / Polars: reading the columns they need from the same DuckDB file into frames, then
  the pool matching only (call status, candidate count, winning session).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

ACCOUNTS = 25
POOL_SIZE = 120  # numbers per account's pool
STATICS = 5  # static numbers per account
BEACONS_PER_SESSION = 6.5  # mean of 3 + hash % 8
DAYS = 30
SECRET = "bench-secret"


def generate(db: Path, n_beacons: int, n_calls: int) -> dict[str, int]:
    """Raw tables of a month of traffic; deterministic (hash-based, no RNG state)."""
    from ingest.load import ensure_tables

    n_sessions = int(n_beacons / BEACONS_PER_SESSION) + 1
    con = duckdb.connect(str(db))
    ensure_tables(con)
    meta = (
        "'bench/dt=2026-10-01/x.parquet' as _file_key, 0::bigint as _row_number, "
        "date '2026-10-01' as _arrival_date, timestamptz '2026-10-01 00:00:00+00' as _loaded_at, "
        "1::bigint as _load_id"
    )
    con.execute(
        f"""
        insert into raw.accounts by name
        select 'A' || i as account_id, 1 as schema_version, 'Account ' || i as name,
               'America/New_York' as timezone, 'USD' as currency,
               case when i % 5 = 0 then 20 end as session_timeout_minutes, {meta}
        from range({ACCOUNTS}) r(i)
        """
    )
    con.execute(
        f"""
        insert into raw.tracking_numbers by name
        select 'A' || a as account_id, 1 as schema_version,
               '+1555' || lpad((a * 1000 + n)::varchar, 7, '0') as tracking_number,
               case when n < {POOL_SIZE} then 'pool'
                    when n < {POOL_SIZE + STATICS} then 'static' else 'default' end as number_kind,
               case when n < {POOL_SIZE} or n = {POOL_SIZE + STATICS} then 'P' || a end as pool_id,
               case when n >= {POOL_SIZE} and n < {POOL_SIZE + STATICS} then 'Billboard' end
                   as channel,
               timestamptz '2020-01-01 00:00:00+00' as valid_from, {meta}
        from range({ACCOUNTS}) r(a), range({POOL_SIZE + STATICS + 1}) s(n)
        """
    )
    # Sessions: start uniform over the month; numbers handed out round-robin per account in
    # start order (a DNI pool gives the least recently used number).
    con.execute(
        f"""
        create temp table s as
        select i, i % {ACCOUNTS} as a,
               timestamptz '2026-09-01 00:00:00+00'
                   + to_microseconds((hash(i, 't') % ({DAYS} * 86400000000))::bigint)
                   as s0,
               (3 + hash(i, 'k') % 8)::bigint as k,
               (1 + hash(i, 'g') % 6)::bigint as step_min,
               case when hash(i, 'j') % 10 = 0 then (2 + hash(i, 'jj') % 3)::bigint else 1000 end
                   as jump_at,
               (hash(i, 'c') % 10)::bigint as kind
        from range({n_sessions}) r(i)
        """
    )
    con.execute(
        f"""
        create temp table sn as
        select *, 'v' || (hash(i, 'vis') % ({n_sessions} * 6 // 10)) as visitor_id,
               '+1555' || lpad((a * 1000 + (row_number() over (partition by a order by s0))
                                % {POOL_SIZE})::varchar, 7, '0') as tn
        from s
        """
    )
    con.execute(
        f"""
        insert into raw.dni_beacons by name
        with b as (
            select sn.*, unnest(range(k)) as j from sn
        )
        select 'A' || a as account_id, 1 as schema_version, 'b' || i || '-' || j as event_id,
               case j when 0 then 'session.started' when 1 then 'number.assigned'
                      else case when hash(i, j) % 3 = 0 then 'page.viewed'
                                else 'session.heartbeat' end end as event_type,
               s0 + (j * step_min * 60 + case when j >= jump_at then 2700 else 0 end
                     + case when j >= 1 then (hash(i, j, 'n') % 50)::bigint else 0 end)
                    * interval 1 second as occurred_at,
               visitor_id, 's' || i as session_id,
               case when j = 0 then 'https://site.example/?s=' || i
                    when hash(i, j) % 3 = 0 and j > 1 then 'https://site.example/p' || j
               end as page_url,
               case when j = 0 and kind = 6 then 'https://www.google.com/'
                    when j = 0 and kind = 7 then 'https://yelp.com/biz' end as referrer,
               case when j = 0 and kind in (3, 4) then 'google' end as utm_source,
               case when j = 0 and kind in (3, 4) then 'cpc'
                    when j = 0 and kind = 5 then 'email' end as utm_medium,
               case when j = 0 and kind in (3, 4, 5) then 'camp' || (i % 40) end as utm_campaign,
               case when j = 0 and kind = 3 then 'kw ' || (i % 500) end as utm_term,
               case when j = 0 and kind in (0, 1, 2) then 'g' || i end as gclid,
               case when j = 1 then tn end as tracking_number,
               case when j = 1 then 'P' || a end as pool_id,
               case when j = 0 then 'Mozilla/5.0' end as user_agent,
               case when j = 0 then '198.51.100.' || (i % 250) end as ip_address,
               {meta}
        from b
        """
    )
    con.execute(
        f"""
        insert into raw.ad_clicks by name
        select 'A' || a as account_id, 1 as schema_version, 'g' || i as gclid,
               s0::date as date, 'AA' || a as ad_account_id, 'C' || (i % 40) as campaign_id,
               'AG' || (i % 200) as ad_group_id, 'K' || (i % 500) as keyword_id,
               'kw ' || (i % 500) as keyword_text, 'exact' as match_type, {meta}
        from sn where kind in (0, 1) and hash(i, 'click') % 5 <> 0
        """
    )
    # Calls: 90% to the number a session was shown, 0-40 min after the assignment; 10% to a
    # random pool/static/default number of the account at a random time.
    con.execute(
        f"""
        create temp table c as
        with picked as (
            select c, (hash(c, 'p') % {n_sessions})::bigint as i,
                   (hash(c, 'kind') % 10)::bigint as ck
            from range({n_calls}) r(c)
        )
        select p.c,
               'A' || sn.a as account_id,
               case when p.ck < 9 then sn.tn
                    else '+1555' || lpad((sn.a * 1000 + hash(p.c, 'n') % {POOL_SIZE + STATICS + 1})
                                         ::varchar, 7, '0') end as tracking_number,
               case when p.ck < 9
                    then sn.s0 + (sn.step_min * 60 + (hash(p.c, 'd') % 2400)::bigint)
                        * interval 1 second
                    else timestamptz '2026-09-01 00:00:00+00'
                        + to_seconds((hash(p.c, 't') % ({DAYS} * 86400))::bigint)
               end as t,
               case when hash(p.c, 'anon') % 20 = 0 then null
                    else '+1666' || lpad((hash(p.c, 'caller') % 400000)::varchar, 7, '0')
               end as caller_number
        from picked p join sn using (i)
        """
    )
    con.execute(
        f"""
        insert into raw.call_events by name
        select account_id, 1 as schema_version, 'c' || c || '-' || e as event_id,
               case e when 0 then 'call.started' else 'call.ended' end as event_type,
               t + e * interval 3 minute as occurred_at, 'call' || c as call_id,
               tracking_number, case when e = 0 then caller_number end as caller_number,
               case when e = 0 then '+15559990000' end as destination_number,
               case when e = 1 then 'completed' end as end_status,
               case when e = 1 then 180 end as duration_seconds,
               case when e = 1 then 150 end as talk_seconds, {meta}
        from c, range(2) r(e)
        """
    )
    con.execute(
        f"""
        insert into raw.conversions by name
        select account_id, 1 as schema_version, 'v' || c as event_id,
               'conversion.recorded' as event_type, t + interval 1 day as occurred_at,
               'sale' as conversion_type, caller_number, 100.00 as value, 'USD' as currency, {meta}
        from c where c % 20 = 0 and caller_number is not null
        """
    )
    counts = {
        t: con.execute(f"select count(*) from raw.{t}").fetchone()[0]  # type: ignore[index]
        for t in ("dni_beacons", "call_events", "ad_clicks", "conversions")
    }
    counts["sessions"] = n_sessions
    counts["calls"] = n_calls
    con.execute("checkpoint")
    con.close()
    return counts


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


BEACON_COLS = (
    "select account_id, session_id, event_id, event_type, epoch_us(occurred_at) as occurred_at, "
    "tracking_number from raw.dni_beacons"
)
CALL_COLS = (
    "select call_id, account_id, event_id, event_type, epoch_us(occurred_at) as occurred_at, "
    "tracking_number from raw.call_events"
)
NUMBER_COLS = (
    "select account_id, tracking_number, number_kind, epoch_us(valid_from) as valid_from, "
    "epoch_us(valid_to) as valid_to from raw.tracking_numbers_current"
)
ACCOUNT_COLS = "select account_id, session_timeout_minutes from raw.accounts_current"


def worker(impl: str, db: Path, out: Path) -> dict[str, float]:
    t0 = time.perf_counter()
    c0 = _cpu_s()
    if impl == "calltrack-match":
        from pipelines.attribution.engine import match_pool_calls

        con = duckdb.connect(str(db), read_only=True)
        table = match_pool_calls(con)
        wall = time.perf_counter() - t0
        cpu = _cpu_s() - c0
        rss = _rss_mb()
        con.close()
        # Writing the result out (for the comparison) is not timed, as for the references.
        import pyarrow.parquet as pq

        pq.write_table(table, out)
        return {"wall_s": wall, "cpu_s": cpu, "load_s": 0.0, "rss_mb": rss}
    if impl == "calltrack":
        from pipelines.attribution.engine import run_attribution

        con = duckdb.connect(str(db))
        stats = run_attribution(con, SECRET, full=True)
        wall = time.perf_counter() - t0
        rss = _rss_mb()
        con.execute(
            "copy (select call_id, attribution_status, candidate_count, session_id "
            f"from attribution.call_attribution) to '{out}' (format parquet)"
        )
        con.close()
        return {
            "wall_s": wall,
            "cpu_s": _cpu_s() - c0,
            "load_s": 0.0,
            "rss_mb": rss,
            "phases": stats.seconds,
        }  # type: ignore[dict-item]
    con = duckdb.connect(str(db), read_only=True)
    if impl == "pandas":
        import attribution_ref_pandas as ref

        frames = [
            con.sql(q).arrow().read_all().to_pandas()
            for q in (BEACON_COLS, CALL_COLS, NUMBER_COLS, ACCOUNT_COLS)
        ]
    else:
        import attribution_ref_polars as ref
        import polars as pl

        frames = [
            pl.from_arrow(con.sql(q).arrow().read_all())
            for q in (BEACON_COLS, CALL_COLS, NUMBER_COLS, ACCOUNT_COLS)
        ]
    con.close()
    t_load = time.perf_counter() - t0
    result = ref.attribute(*frames)
    wall = time.perf_counter() - t0
    cpu = _cpu_s() - c0
    rss = _rss_mb()
    if impl == "pandas":
        result.to_parquet(out)
    else:
        result.write_parquet(out)
    return {"wall_s": wall, "cpu_s": cpu, "load_s": t_load, "rss_mb": rss}


def compare(a: Path, b: Path) -> int:
    """Calls whose (status, candidate_count, session_id) differ, or that only one side has."""
    row = duckdb.sql(
        f"""
        select count(*) from read_parquet('{a}') x full join read_parquet('{b}') y using (call_id)
        where x.call_id is null or y.call_id is null
           or x.attribution_status is distinct from y.attribution_status
           or x.candidate_count::bigint is distinct from y.candidate_count::bigint
           or x.session_id is distinct from y.session_id
        """
    ).fetchone()
    return int(row[0]) if row else -1


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--beacons", type=float, default=10_000_000)
    p.add_argument("--calls", type=float, default=1_000_000)
    p.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp dir)")
    p.add_argument(
        "--only", nargs="*", default=["calltrack", "calltrack-match", "pandas", "polars"]
    )
    p.add_argument("--reuse", action="store_true", help="keep an existing bench.duckdb in --dir")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.db, args.out)))
        return

    work = args.dir or Path(tempfile.mkdtemp(prefix="calltrack-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "bench.duckdb"
    if args.reuse and db.exists():
        with duckdb.connect(str(db), read_only=True) as con:
            counts = {
                t: con.execute(f"select count(*) from raw.{t}").fetchone()[0]  # type: ignore[index]
                for t in ("dni_beacons", "call_events")
            }
            counts["calls"] = counts["call_events"] // 2
    else:
        db.unlink(missing_ok=True)
        t0 = time.perf_counter()
        counts = generate(db, int(args.beacons), int(args.calls))
        print(f"generated in {time.perf_counter() - t0:.1f}s: {counts}", flush=True)

    results: dict[str, dict] = {}
    for impl in args.only:
        out = work / f"{impl}.parquet"
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", impl, "--db", str(db), "--out", str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            print(f"{impl} failed:\n{proc.stderr[-3000:]}", flush=True)
            continue
        results[impl] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{impl}: {results[impl]}", flush=True)

    base = work / "calltrack.parquet"
    q = (
        duckdb.sql(
            f"select attribution_status, count(*) from read_parquet('{base}') "
            "group by all order by 1"
        ).fetchall()
        if base.exists()
        else []
    )
    print(f"\ncalltrack call statuses: {dict(q)}")
    print(
        f"\n{counts['dni_beacons']:,} beacons, {counts['calls']:,} calls "
        f"({counts['call_events']:,} call events)\n"
    )
    print(
        "| implementation | wall s | CPU s (user+sys) | of which reading inputs (wall s) "
        "| peak RSS MB | identical to calltrack |"
    )
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for impl, r in results.items():
        same = (
            "—"
            if impl == "calltrack"
            else (
                "yes"
                if compare(base, work / f"{impl}.parquet") == 0
                else f"NO ({compare(base, work / f'{impl}.parquet')} calls differ)"
            )
        )
        print(
            f"| {impl} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | {r['load_s']:.2f} "
            f"| {r['rss_mb']:.0f} | {same} |"
        )
    if "calltrack" in results:
        print(f"\ncalltrack phases (s): {results['calltrack']['phases']}")
    if args.dir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
