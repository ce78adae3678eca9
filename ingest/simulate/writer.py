"""Deterministic Parquet output in the landing-zone layout of the contract.

Same rows in, same bytes out: the writer options are fixed here (codec, level, row-group size,
dictionary, statistics, format version) and nothing time-dependent goes into the files (pyarrow
writes no timestamps; `created_by` is the library version).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ingest import contract

EPOCH = dt.date(1970, 1, 1)

# Extra column carried next to the contract's columns until write time: the arrival day
# (days since 1970-01-01) that decides the `dt=` folder. Never written to a file.
ARRIVAL = "__arrival_day"

WRITE_OPTIONS = dict(
    compression="zstd",
    compression_level=3,
    use_dictionary=True,
    write_statistics=True,
    version="2.6",
    data_page_version="1.0",
    row_group_size=256 * 1024,
)


def day_to_date(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


def date_to_day(d: dt.date) -> int:
    return (d - EPOCH).days


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, **WRITE_OPTIONS)
    return sink.getvalue()


class LandingWriter:
    """Writes feed tables under `{root}/{feed}/dt={YYYY-MM-DD}/{name}.parquet`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.rows: dict[str, int] = {name: 0 for name in contract.FEEDS}
        self.files: dict[str, int] = {name: 0 for name in contract.FEEDS}

    def key(self, feed: str, day: int, name: str) -> str:
        return f"{feed}/dt={day_to_date(day).isoformat()}/{name}.parquet"

    def write(self, feed: str, table: pa.Table, name: str) -> list[str]:
        """Write `table` (contract columns + ARRIVAL) split by arrival day; returns the keys."""
        schema = contract.feed(feed).schema
        keys = []
        if table.num_rows == 0:
            return keys
        days = pc.unique(table[ARRIVAL]).to_pylist()
        for day in sorted(days):
            part = table.filter(pc.equal(table[ARRIVAL], day)).drop_columns([ARRIVAL])
            part = part.select(schema.names).cast(schema)
            keys.append(self.write_raw(feed, day, name, parquet_bytes(part), part.num_rows))
        return keys

    def write_raw(self, feed: str, day: int, name: str, data: bytes, rows: int) -> str:
        key = self.key(feed, day, name)
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.rows[feed] += rows
        self.files[feed] += 1
        return key


def empty_table(feed: str) -> pa.Table:
    schema = contract.feed(feed).schema
    return schema.empty_table().append_column(ARRIVAL, pa.array([], pa.int32()))


def build_table(feed: str, columns: dict[str, pa.Array | object], arrival: pa.Array) -> pa.Table:
    """A contract-typed table from named columns; absent fields become nulls, every row present.

    `columns` values are Arrow arrays (cast to the contract type) or scalars (broadcast).
    """
    n = len(arrival)
    arrays = []
    for f in contract.feed(feed).fields:
        value = columns.get(f.name)
        if value is None:
            arrays.append(pa.nulls(n, f.type))
        elif isinstance(value, (pa.Array, pa.ChunkedArray)):
            if len(value) != n:
                raise ValueError(f"{feed}.{f.name}: {len(value)} values for {n} rows")
            arrays.append(value.cast(f.type))
        else:
            arrays.append(pa.repeat(pa.scalar(value, f.type), n))
    unknown = set(columns) - set(contract.feed(feed).field_names)
    if unknown:
        raise KeyError(f"{feed} has no fields {sorted(unknown)}")
    arrays.append(arrival.cast(pa.int32()))
    names = contract.feed(feed).field_names + [ARRIVAL]
    return pa.Table.from_arrays(arrays, names=names)
