"""Loading the landing zone into append-only `raw.*` tables, exactly once, with quarantine.

`load_landing(con_or_path, landing)` loads every file the ledger (`raw._loaded_files`) has not
seen. Files are loaded in batches (one feed, one arrival day, up to a byte budget); each batch
is ONE DuckDB transaction holding its accepted rows, its quarantine rows and its ledger rows,
so a crash at any point leaves either the whole batch or nothing, and a rerun loads exactly
what is missing. Batches are formed greedily from the sorted list of unloaded files, so a rerun
after a crash forms the same batches (same `_load_id`s) as an uninterrupted run.

Dedupe (design.md "Landing zone contract"; the contract's `Feed.key`):
- event feeds: by event_id over all history. The first accepted row wins; a later row with the
  same payload is a dropped duplicate, with another payload it is quarantined as
  `conflicting_duplicate`.
- reference feeds (snapshots): the same rule within one arrival day; each day's snapshot is
  kept whole (the `*_current` views pick the newest).
- fact feeds (ad_spend, ad_clicks): within one arrival day as above; across days a different
  payload restates the key (accepted, history kept, latest arrival wins in `*_current`) and an
  identical one is a duplicate of the value already current.
Payloads are compared by DuckDB `hash()` of all contract columns (64 bits; a collision between
two rows of the same key is the only way a conflict could pass as a duplicate).

Invariant, per file: rows_read = rows_accepted + rows_quarantined + rows_duplicate.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ingest.contract import ACCOUNT_DEFAULTS, FEEDS, Feed
from ingest.landing import Landing, LandingFile, LocalLanding, open_landing
from ingest.validate import (
    FILE_COLUMN,
    ROW_NUMBER_COLUMN,
    SEQ_COLUMN,
    cast_sql,
    duckdb_type,
    ident,
    schema_drift,
    validation_plan,
)

log = logging.getLogger(__name__)

LEDGER = "raw._loaded_files"
# Parquet bytes per batch: bounds memory (a batch is decoded in memory, ~5-10x its Parquet
# size) while keeping per-transaction overhead (ledger, dedupe lookups) amortised.
DEFAULT_BATCH_BYTES = 96 * 1024 * 1024
META_COLUMNS = ("_file_key", "_row_number", "_arrival_date", "_loaded_at", "_load_id")


@dataclass
class FileResult:
    key: str
    feed: str
    arrival_date: dt.date
    size: int
    checksum: str
    status: str  # "loaded" | "corrupt"
    load_id: int
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    extra_columns: tuple[str, ...] = ()
    missing_columns: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class ChangedFile:
    key: str
    loaded_checksum: str
    current_checksum: str


@dataclass
class LoadReport:
    files: list[FileResult] = field(default_factory=list)
    skipped: int = 0  # already in the ledger with the same checksum
    changed: list[ChangedFile] = field(default_factory=list)  # flagged, not reloaded

    def _sum(self, attr: str) -> int:
        return sum(getattr(f, attr) for f in self.files)

    @property
    def rows_read(self) -> int:
        return self._sum("rows_read")

    @property
    def rows_accepted(self) -> int:
        return self._sum("rows_accepted")

    @property
    def rows_quarantined(self) -> int:
        return self._sum("rows_quarantined")

    @property
    def rows_duplicate(self) -> int:
        return self._sum("rows_duplicate")

    @property
    def reasons(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for f in self.files:
            total.update(f.reasons)
        return dict(sorted(total.items()))

    @property
    def corrupt_files(self) -> list[str]:
        return [f.key for f in self.files if f.status == "corrupt"]

    @property
    def extra_columns(self) -> dict[str, list[str]]:
        return {f.key: list(f.extra_columns) for f in self.files if f.extra_columns}


# --- tables --------------------------------------------------------------------------------


def _raw_ddl(feed: Feed) -> str:
    cols = [f"{ident(f.name)} {duckdb_type(f.type)}" for f in feed.fields]
    cols += [
        "_file_key VARCHAR NOT NULL",
        "_row_number BIGINT NOT NULL",
        "_arrival_date DATE NOT NULL",
        "_loaded_at TIMESTAMPTZ NOT NULL",
        "_load_id BIGINT NOT NULL",
    ]
    return f"CREATE TABLE IF NOT EXISTS raw.{feed.name} (\n  " + ",\n  ".join(cols) + "\n)"


def _quarantine_ddl(feed: Feed) -> str:
    return f"""CREATE TABLE IF NOT EXISTS quarantine.{feed.name} (
  reason_code VARCHAR NOT NULL,
  reason_detail VARCHAR,
  _file_key VARCHAR NOT NULL,
  _row_number BIGINT,
  _arrival_date DATE NOT NULL,
  _loaded_at TIMESTAMPTZ NOT NULL,
  _load_id BIGINT NOT NULL,
  original_json VARCHAR
)"""


LEDGER_DDL = f"""CREATE TABLE IF NOT EXISTS {LEDGER} (
  file_key VARCHAR NOT NULL,
  feed VARCHAR NOT NULL,
  arrival_date DATE NOT NULL,
  size_bytes BIGINT NOT NULL,
  checksum VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  rows_read BIGINT NOT NULL,
  rows_accepted BIGINT NOT NULL,
  rows_quarantined BIGINT NOT NULL,
  rows_duplicate BIGINT NOT NULL,
  extra_columns VARCHAR[],
  missing_columns VARCHAR[],
  error VARCHAR,
  loaded_at TIMESTAMPTZ NOT NULL,
  load_id BIGINT NOT NULL
)"""


def _latest_snapshot_view(feed: Feed, select: str | None = None) -> str:
    cols = select or "*"
    return f"""CREATE OR REPLACE VIEW raw.{feed.name}_current AS
SELECT {cols} FROM raw.{feed.name}
WHERE _arrival_date = (SELECT max(_arrival_date) FROM raw.{feed.name})"""


def _latest_arrival_view(feed: Feed) -> str:
    key = ", ".join(ident(k) for k in feed.key)
    return f"""CREATE OR REPLACE VIEW raw.{feed.name}_current AS
SELECT * FROM raw.{feed.name}
QUALIFY row_number() OVER (
  PARTITION BY {key} ORDER BY _arrival_date DESC, _file_key DESC, _row_number DESC) = 1"""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw, quarantine and ledger tables and the current-state views (idempotent)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE SCHEMA IF NOT EXISTS quarantine")
    for feed in FEEDS.values():
        con.execute(_raw_ddl(feed))
        con.execute(_quarantine_ddl(feed))
    con.execute(LEDGER_DDL)
    for name in ("ad_spend", "ad_clicks"):
        con.execute(_latest_arrival_view(FEEDS[name]))
    accounts = FEEDS["accounts"]
    cols = [
        (
            f"coalesce({ident(n)}, {int(ACCOUNT_DEFAULTS[n])}) AS {ident(n)}"
            if n in ACCOUNT_DEFAULTS
            else ident(n)
        )
        for n in accounts.field_names
    ] + list(META_COLUMNS)
    con.execute(_latest_snapshot_view(accounts, ", ".join(cols)))
    con.execute(_latest_snapshot_view(FEEDS["tracking_numbers"]))
    con.execute(_latest_snapshot_view(FEEDS["offline_spend"]))


# --- loading -------------------------------------------------------------------------------


def _connect(con_or_path: duckdb.DuckDBPyConnection | str | Path) -> tuple[object, bool]:
    if isinstance(con_or_path, duckdb.DuckDBPyConnection):
        return con_or_path, False
    from ingest.warehouse import connect

    return connect(con_or_path), True


def ledger_checksums(
    con: duckdb.DuckDBPyConnection, feeds: Iterable[str] | None = None
) -> dict[str, str]:
    rows = con.execute(f"SELECT file_key, feed, checksum FROM {LEDGER}").fetchall()
    wanted = set(feeds) if feeds is not None else None
    return {k: c for k, f, c in rows if wanted is None or f in wanted}


def plan_batches(files: list[LandingFile], batch_bytes: int) -> list[list[LandingFile]]:
    """Greedy batches of one (feed, arrival day) each, in (feed, day, key) order.

    Deterministic for a given list, and a suffix of the list (what is left after a crash)
    is cut at the same places, because every batch boundary is a (feed, day) change or a
    budget overflow counted from the batch's own first file.
    """
    batches: list[list[LandingFile]] = []
    current: list[LandingFile] = []
    used = 0
    for f in sorted(files, key=lambda f: (f.feed, f.arrival_date, f.key)):
        same = current and (current[0].feed, current[0].arrival_date) == (f.feed, f.arrival_date)
        if current and (not same or used + f.size > batch_bytes):
            batches.append(current)
            current, used = [], 0
        current.append(f)
        used += f.size
    if current:
        batches.append(current)
    return batches


def load_landing(
    con_or_path: duckdb.DuckDBPyConnection | str | Path,
    landing: Landing | str | Path,
    *,
    feeds: Iterable[str] | None = None,
    days: Iterable[str] | None = None,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
) -> LoadReport:
    """Load every file of the landing zone (optionally only `feeds` / arrival `days`) that the
    ledger has not seen. Safe to rerun and to kill at any point."""
    if not hasattr(landing, "list_files"):
        landing = open_landing(str(landing))
    con, owned = _connect(con_or_path)
    try:
        con.execute("SET TimeZone = 'UTC'")  # naive timestamps mean UTC (design.md "Types")
        con.execute("SET enable_progress_bar = false")  # logs, not terminal bars
        ensure_tables(con)
        feeds = list(feeds) if feeds is not None else list(FEEDS)
        listed = landing.list_files(feeds, days)
        loaded = ledger_checksums(con, feeds)
        report = LoadReport()
        todo = []
        for f in listed:
            if f.key not in loaded:
                todo.append(f)
            elif loaded[f.key] != f.checksum:
                report.changed.append(ChangedFile(f.key, loaded[f.key], f.checksum))
                log.warning(
                    "%s was loaded with checksum %s and now has %s: not reloaded",
                    f.key,
                    loaded[f.key],
                    f.checksum,
                )
            else:
                report.skipped += 1
        for batch in plan_batches(todo, batch_bytes):
            report.files.extend(_load_batch(con, landing, batch))
        return report
    finally:
        if owned:
            con.close()


def _landing_root(landing: Landing) -> str:
    if isinstance(landing, LocalLanding):
        return str(landing.root.resolve())
    return landing.uri.rstrip("/")


def _read(landing: Landing, f: LandingFile) -> tuple[pa.Table | None, str, str | None]:
    """(table, checksum, error). I/O errors raise (the run fails naming the file); a file that
    is read but does not parse as Parquet is corrupt (quarantined as a whole, others load)."""
    data, checksum = landing.read_bytes(f.key)
    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as exc:  # ArrowInvalid, OSError from a truncated footer, ...
        return None, checksum, f"{type(exc).__name__}: {exc}"
    return table, checksum, None


def _load_batch(
    con: duckdb.DuckDBPyConnection, landing: Landing, batch: list[LandingFile]
) -> list[FileResult]:
    feed = FEEDS[batch[0].feed]
    arrival = batch[0].arrival_date
    root = _landing_root(landing)
    # Read the whole batch before opening the transaction: no network inside it.
    read = [(f, *_read(landing, f)) for f in batch]
    con.execute("BEGIN TRANSACTION")
    try:
        load_id = con.execute(f"SELECT coalesce(max(load_id), 0) + 1 FROM {LEDGER}").fetchone()[0]
        loaded_at = con.execute("SELECT current_timestamp").fetchone()[0]
        results = _stage_and_insert(con, feed, arrival, root, read, load_id, loaded_at)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("_stage", "_not_accepted", "_rejected"):
            con.execute(f"DROP TABLE IF EXISTS temp.{name}")
    for r in results:
        if r.extra_columns:
            log.warning(
                "%s has columns not in the contract (ignored): %s",
                r.key,
                ", ".join(r.extra_columns),
            )
    return results


def _stage_and_insert(
    con: duckdb.DuckDBPyConnection,
    feed: Feed,
    arrival: dt.date,
    root: str,
    read: list[tuple[LandingFile, pa.Table | None, str, str | None]],
    load_id: int,
    loaded_at: dt.datetime,
) -> list[FileResult]:
    cols = feed.field_names
    col_list = ", ".join(ident(c) for c in cols)
    # The stage is narrow (keys, payload hash, verdict): accepted rows are appended straight
    # from the files' Arrow data afterwards, so wide rows are written once, into raw.
    key_list = ", ".join(ident(k) for k in feed.key)
    key_types = ", ".join(f"{ident(k)} {duckdb_type(feed.field(k).type)}" for k in feed.key)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _stage (
          _seq BIGINT, _file_key VARCHAR, {key_types}, _row_number BIGINT, _h UBIGINT,
          _reason_code VARCHAR, _reason_detail VARCHAR, _original_json VARCHAR)"""
    )
    results: list[FileResult] = []
    # Files with the same schema are validated together, as one Arrow table: one query per
    # schema instead of per file lets DuckDB use all threads (a 100k-row file is one thread).
    groups: dict[tuple, list[pa.Table]] = {}
    base = 0
    for f, table, checksum, error in read:
        r = FileResult(f.key, f.feed, f.arrival_date, f.size, checksum, "loaded", load_id)
        results.append(r)
        if table is None:
            r.status, r.error = "corrupt", error
            r.reasons = {"corrupt_file": 1}
            con.execute(
                f"""INSERT INTO quarantine.{feed.name} VALUES
                ('corrupt_file', $detail, $key, NULL, $arrival, $loaded_at, $load_id, NULL)""",
                {
                    "detail": f"cannot read Parquet: {error}"[:2000],
                    "key": f.key,
                    "arrival": arrival,
                    "loaded_at": loaded_at,
                    "load_id": load_id,
                },
            )
            continue
        drift = schema_drift(feed, table.schema)
        r.rows_read = table.num_rows
        r.extra_columns = drift.extra_columns
        r.missing_columns = drift.missing_columns
        rows = np.arange(table.num_rows, dtype=np.int64)
        table = table.replace_schema_metadata(None)
        table = table.append_column(ROW_NUMBER_COLUMN, pa.array(rows))
        table = table.append_column(SEQ_COLUMN, pa.array(rows + base))
        table = table.append_column(FILE_COLUMN, pa.array([f.key] * table.num_rows, pa.string()))
        base += table.num_rows
        # Same names and types = same group; nullability and field metadata are dropped so
        # the tables concatenate (a cast to identical types is zero-copy).
        plain = pa.schema([pa.field(fl.name, fl.type) for fl in table.schema])
        signature = tuple((fl.name, str(fl.type)) for fl in plain)
        groups.setdefault(signature, []).append(table.cast(plain))
    sources = [pa.concat_tables(tables) for tables in groups.values()]
    del groups
    for source in sources:
        plan = validation_plan(feed, source.schema, relation="_src")
        sql = f"""INSERT INTO _stage
            SELECT _seq, _file_key, {key_list}, _row_number, {payload_hash(feed)},
                   _reason_code, _reason_detail, _original_json
            FROM ({plan.sql})"""
        values = {"arrival_date": arrival, "landing_root": root}
        con.register("_src", source)
        try:
            con.execute(sql, _params(sql, values))
        finally:
            con.unregister("_src")

    _classify_duplicates(con, feed, arrival)

    # Rejected (invalid, duplicate, conflicting) row positions; everything else is accepted.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _rejected AS
        SELECT _seq FROM _stage WHERE _reason_code IS NOT NULL
        UNION ALL SELECT _seq FROM _not_accepted"""
    )
    payload_json = (
        "CAST(to_json(struct_pack("
        + ", ".join(f"{ident(c)} := v.{ident(c)}" for c in cols)
        + ")) AS VARCHAR)"
    )
    meta = {"arrival": arrival, "loaded_at": loaded_at, "load_id": load_id}
    for source in sources:
        cast = cast_sql(feed, source.schema, relation="_src")
        con.register("_src", source)
        try:
            con.execute(
                f"""INSERT INTO raw.{feed.name}
                SELECT {col_list}, _file_key, _row_number, $arrival, $loaded_at, $load_id
                FROM ({cast}) v
                WHERE NOT EXISTS (SELECT 1 FROM _rejected r WHERE r._seq = v._seq)""",
                meta,
            )
            con.execute(
                f"""INSERT INTO quarantine.{feed.name}
                SELECT 'conflicting_duplicate',
                       'same key as an accepted row (' || n.first_file_key || ' row '
                         || n.first_row_number || '), different payload',
                       v._file_key, v._row_number, $arrival, $loaded_at, $load_id, {payload_json}
                FROM ({cast}) v JOIN _not_accepted n USING (_seq)
                WHERE n.status = 'conflicting_duplicate'""",
                meta,
            )
        finally:
            con.unregister("_src")
    con.execute(
        f"""INSERT INTO quarantine.{feed.name}
        SELECT _reason_code, _reason_detail, _file_key, _row_number, $arrival, $loaded_at,
               $load_id, _original_json
        FROM _stage WHERE _reason_code IS NOT NULL""",
        meta,
    )
    # Per-file counts straight from the staged rows: the ledger says what the tables hold.
    counts = con.execute(
        """SELECT _file_key, coalesce(_reason_code, n.status, 'accepted') AS outcome, count(*)
        FROM _stage s LEFT JOIN _not_accepted n USING (_seq)
        GROUP BY ALL"""
    ).fetchall()
    by_file: dict[str, Counter[str]] = {}
    for key, outcome, n in counts:
        by_file.setdefault(key, Counter())[outcome] = n
    for r in results:
        if r.status == "corrupt":
            continue
        c = by_file.get(r.key, Counter())
        r.rows_accepted = c.pop("accepted", 0)
        r.rows_duplicate = c.pop("duplicate", 0)
        r.reasons = dict(sorted(c.items()))
        r.rows_quarantined = sum(c.values())
        if r.rows_read != r.rows_accepted + r.rows_quarantined + r.rows_duplicate:
            raise AssertionError(f"row accounting broken for {r.key}: {r}")
    con.executemany(
        f"INSERT INTO {LEDGER} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                r.key,
                r.feed,
                r.arrival_date,
                r.size,
                r.checksum,
                r.status,
                r.rows_read,
                r.rows_accepted,
                r.rows_quarantined,
                r.rows_duplicate,
                list(r.extra_columns),
                list(r.missing_columns),
                r.error,
                loaded_at,
                load_id,
            ]
            for r in results
        ],
    )
    return results


def payload_hash(feed: Feed) -> str:
    """SQL: 64-bit hash of a row's contract columns (same expression on stage and raw)."""
    return "hash(" + ", ".join(ident(c) for c in feed.field_names) + ")"


def _params(sql: str, values: dict[str, object]) -> dict[str, object]:
    """The named parameters `sql` uses (DuckDB rejects unused ones)."""
    return {k: v for k, v in values.items() if f"${k}" in sql}


def _classify_duplicates(con: duckdb.DuckDBPyConnection, feed: Feed, arrival: dt.date) -> None:
    """Fill temp `_not_accepted(_seq, status, first_file_key, first_row_number)` with the
    staged valid rows that are duplicates or conflicting duplicates (see module docstring)."""
    keys = [ident(k) for k in feed.key]
    key_list = ", ".join(keys)
    if feed.kind == "event":
        # Only event ids seen in this batch can collide; the IN list is the batch's ids.
        existing_filter = f"{keys[0]} IN (SELECT {keys[0]} FROM batch)"
    else:
        key_hash = "hash(" + key_list + ")"
        existing_filter = f"{key_hash} IN (SELECT {key_hash} FROM batch)"
        if feed.kind == "reference":
            existing_filter += " AND _arrival_date = $arrival"
    # Within a (key, arrival day) group — or the key's whole history for events — the first
    # row (existing rows first, then file and row order) is the kept one.
    group = key_list if feed.kind == "event" else key_list + ", _arrival_date"
    order = "_new, _file_key, _row_number"
    sql = f"""
CREATE OR REPLACE TEMP TABLE _not_accepted AS
WITH batch AS (
  SELECT {key_list}, _seq, _file_key, _row_number, _h
  FROM _stage WHERE _reason_code IS NULL
),
cand AS (
  SELECT {key_list}, NULL::BIGINT AS _seq, _file_key, _row_number, _arrival_date,
         {payload_hash(feed)} AS _h, 0 AS _new
  FROM raw.{feed.name} WHERE {existing_filter}
  UNION ALL
  SELECT {key_list}, _seq, _file_key, _row_number, $arrival, _h, 1 FROM batch
),
-- Most keys occur once: only keys seen more than once (in the batch and history) are ranked
-- (a hash aggregate over the key hash is much cheaper than partitioning every row).
repeated AS (
  SELECT hash({key_list}) AS _kh FROM cand GROUP BY 1 HAVING count(*) > 1
),
multi AS (
  SELECT * FROM cand WHERE hash({key_list}) IN (SELECT _kh FROM repeated)
),
ranked AS (
  SELECT *,
    row_number() OVER w AS _rank,
    first_value(_h) OVER w AS _first_h,
    first_value(_file_key) OVER w AS _first_file_key,
    first_value(_row_number) OVER w AS _first_row_number
  FROM multi
  WINDOW w AS (PARTITION BY {group} ORDER BY {order}
               ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)"""
    if feed.kind == "fact":
        # The first row of a (key, day) group restates the key unless it equals the value the
        # key had after the previous arrival day (that group's first row).
        sql += f""",
groups AS (
  SELECT {key_list}, _arrival_date,
         lag(_first_h) OVER (PARTITION BY {key_list} ORDER BY _arrival_date) AS _prev_h,
         lag(_first_file_key) OVER (PARTITION BY {key_list} ORDER BY _arrival_date) AS _prev_fk,
         lag(_first_row_number) OVER (PARTITION BY {key_list} ORDER BY _arrival_date) AS _prev_rn
  FROM ranked WHERE _rank = 1
)
SELECT r._seq,
  CASE WHEN r._rank > 1 AND r._h = r._first_h THEN 'duplicate'
       WHEN r._rank > 1 THEN 'conflicting_duplicate'
       ELSE 'duplicate' END AS status,
  CASE WHEN r._rank > 1 THEN r._first_file_key ELSE g._prev_fk END AS first_file_key,
  CASE WHEN r._rank > 1 THEN r._first_row_number ELSE g._prev_rn END AS first_row_number
FROM ranked r
JOIN groups g ON g._arrival_date = r._arrival_date
  AND {" AND ".join(f"g.{k} IS NOT DISTINCT FROM r.{k}" for k in keys)}
WHERE r._new = 1 AND (r._rank > 1 OR r._h = g._prev_h)"""
    else:
        sql += """
SELECT _seq,
  CASE WHEN _h = _first_h THEN 'duplicate' ELSE 'conflicting_duplicate' END AS status,
  _first_file_key AS first_file_key, _first_row_number AS first_row_number
FROM ranked WHERE _new = 1 AND _rank > 1"""
    con.execute(sql, {"arrival": arrival})


# --- checks --------------------------------------------------------------------------------


def invariant_violations(
    con: duckdb.DuckDBPyConnection,
    feeds: Iterable[str] | None = None,
    days: Iterable[str] | None = None,
) -> list[str]:
    """Files (and partitions) where rows read != accepted + quarantined + duplicates, or where
    the ledger's counts disagree with the rows in raw/quarantine. Empty = invariant holds."""
    problems: list[str] = []
    day_list = list(days) if days is not None else None
    for name in feeds if feeds is not None else FEEDS:
        params: dict[str, object] = {"feed": name}
        day_filter = ""
        if day_list is not None:
            day_filter = " AND CAST(l.arrival_date AS VARCHAR) IN (SELECT unnest($days))"
            params["days"] = day_list
        rows = con.execute(
            f"""
            WITH r AS (SELECT _file_key, count(*) AS n FROM raw.{name} GROUP BY 1),
                 q AS (SELECT _file_key, count(*) AS n FROM quarantine.{name}
                       WHERE reason_code <> 'corrupt_file' GROUP BY 1)
            SELECT l.file_key, l.arrival_date, l.rows_read, l.rows_accepted, l.rows_quarantined,
                   l.rows_duplicate, coalesce(r.n, 0), coalesce(q.n, 0)
            FROM {LEDGER} l
            LEFT JOIN r ON r._file_key = l.file_key
            LEFT JOIN q ON q._file_key = l.file_key
            WHERE l.feed = $feed {day_filter}
            ORDER BY l.file_key""",
            params,
        ).fetchall()
        per_day: dict[dt.date, list[int]] = {}
        for key, day, read, acc, quar, dup, in_raw, in_q in rows:
            if read != acc + quar + dup:
                problems.append(
                    f"{key}: read {read} != accepted {acc} + quarantined {quar} + duplicates {dup}"
                )
            if in_raw != acc or in_q != quar:
                problems.append(
                    f"{key}: ledger says {acc} accepted / {quar} quarantined, "
                    f"tables hold {in_raw} / {in_q}"
                )
            t = per_day.setdefault(day, [0, 0, 0, 0])
            for i, v in enumerate((read, acc, quar, dup)):
                t[i] += v
        for day, (read, acc, quar, dup) in per_day.items():
            if read != acc + quar + dup:
                problems.append(f"{name} dt={day}: read {read} != {acc} + {quar} + {dup}")
    return problems


def changed_files(
    con: duckdb.DuckDBPyConnection,
    landing: Landing,
    feeds: Iterable[str] | None = None,
    days: Iterable[str] | None = None,
) -> list[ChangedFile]:
    """Loaded files whose checksum in the landing zone differs from the ledger's."""
    feeds = list(feeds) if feeds is not None else list(FEEDS)
    loaded = ledger_checksums(con, feeds)
    return [
        ChangedFile(f.key, loaded[f.key], f.checksum)
        for f in landing.list_files(feeds, days)
        if f.key in loaded and loaded[f.key] != f.checksum
    ]


def table_hashes(
    con: duckdb.DuckDBPyConnection, *, load_ids: bool = True
) -> dict[str, tuple[int, int]]:
    """(row count, order-independent hash) of every raw and quarantine table, ignoring
    `_loaded_at` (wall clock) and, with `load_ids=False`, `_load_id` (which depends on how
    the loads were split). Two loads of the same landing zone must agree exactly."""
    exclude = "_loaded_at" if load_ids else "_loaded_at, _load_id"
    out = {}
    for name in FEEDS:
        for schema in ("raw", "quarantine"):
            table = f"{schema}.{name}"
            out[table] = con.execute(
                f"SELECT count(*), coalesce(sum(hash(t::VARCHAR)), 0) "
                f"FROM (SELECT * EXCLUDE ({exclude}) FROM {table}) t"
            ).fetchone()
    return out


__all__ = [
    "ChangedFile",
    "FileResult",
    "LoadReport",
    "changed_files",
    "ensure_tables",
    "invariant_violations",
    "load_landing",
    "table_hashes",
]
