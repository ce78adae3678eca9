"""Vectorised matching of pool calls to sessions (numpy; no DuckDB, no Dagster).

Same semantics as design.md ("Semantics"), in three array passes instead of SQL joins on string
keys (which cost most of the engine's time at 10M beacons):

1. Interval stabbing. Each hold envelope [from, to] of number key k (an int per (account,
   number)) is expanded into the hour buckets it covers; expanded rows are sorted by
   (k, bucket) and each call finds its rows with two `searchsorted`s, then keeps envelopes with
   from <= t <= to. The envelopes of one (session, number) are disjoint, so each pair is a
   distinct session.
2. Activity. A pair survives if its session has a beacon in [t - timeout, t] (catches gaps
   longer than the timeout inside an envelope). Most pairs pass on the assignment or the last
   beacon alone; the rest are checked against each of their session's beacons, which the caller
   may read on demand for just those sessions (`LazyBeacons`; the work is bounded by chunking).
3. Winner. Per call, the count of surviving pairs and the session with the latest assignment;
   equal assignment times are broken by the greater session_id, a string the caller resolves
   (`tie_break`) for the few calls that need it.

Inputs use dense integer session ids (`sid`) chosen by the caller; arrays only, so the kernel is
tested directly against the SQL semantics and the benchmark references.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

try:  # numpy >= 2
    from numpy._core.multiarray import _set_madvise_hugepage
except ImportError:  # pragma: no cover - numpy 1.x
    try:
        from numpy.core.multiarray import _set_madvise_hugepage
    except ImportError:
        _set_madvise_hugepage = None

# Pairs x beacons compared per chunk in the activity pass (bounds temporary memory to ~0.5 GB).
ACTIVITY_CHUNK = 20_000_000
# Calls per thread of the candidate search, at least (fewer: threads cost more than they save).
PARALLEL_MIN_CALLS = 100_000


@dataclass(frozen=True)
class Holds:
    """Hold envelopes: session, number key, assignment time, envelope [from, to] (epoch us)."""

    sid: np.ndarray
    key: np.ndarray
    assigned_us: np.ndarray
    to_us: np.ndarray


@dataclass(frozen=True)
class Beacons:
    """Beacon times per session in CSR form: session `sid`'s times are
    `times[start[sid] : start[sid] + length[sid]]` (any order); `last[sid]` is the latest."""

    start: np.ndarray
    length: np.ndarray
    times: np.ndarray
    last: np.ndarray


@dataclass(frozen=True)
class LazyBeacons:
    """Beacon times read on demand: `last[sid]` is each session's latest beacon (all sessions);
    `fetch(sids)`, for sorted distinct sids, returns their times as a `Beacons` whose CSR rows
    are the positions in `sids` (its `last` unused). Most pairs never need the times (see
    `active`), so a caller can read them for a few sessions instead of keeping all of them."""

    last: np.ndarray
    fetch: Callable[[np.ndarray], Beacons]


@dataclass(frozen=True)
class Match:
    """Per call: candidate count and winning sid (-1 where no candidate)."""

    candidate_count: np.ndarray
    sid: np.ndarray


def _expand(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, index): for each i, the indices starts[i] .. starts[i] + counts[i] - 1."""
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    first = np.cumsum(counts) - counts  # position of each owner's first output row
    index = np.arange(len(owner), dtype=np.int64) - np.repeat(first - starts, counts)
    return owner, index


@dataclass(frozen=True)
class HoldIndex:
    """Hold envelopes expanded into the buckets they cover, sorted: `packed` = number key *
    `span` + (bucket - `base`), `hold_idx` the hold of each row. Depends on the holds only, so
    it can be built while the calls are still being read (see `index_holds`)."""

    packed: np.ndarray
    hold_idx: np.ndarray
    base: int
    span: int


def index_holds(
    key: np.ndarray, assigned_us: np.ndarray, to_us: np.ndarray, bucket_shift: int
) -> HoldIndex:
    """The bucket index of hold envelopes (number key, [assigned, to]); buckets are
    2**bucket_shift us wide (a shift is much cheaper than an int64 division)."""
    if len(key) == 0:
        empty = np.empty(0, dtype=np.int64)
        return HoldIndex(empty, empty, 0, 1)
    with small_pages():
        b0 = assigned_us >> bucket_shift
        b1 = to_us >> bucket_shift
        base = int(b0.min())
        span = int(b1.max()) - base + 1
        hold_idx, bucket = _expand(b0 - base, b1 - b0 + 1)
        # One int64 sort key per (number key, bucket).
        packed, order = sort_with_order(key[hold_idx] * span + bucket)
        return HoldIndex(packed, hold_idx[order], base, span)


def sort_with_order(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values sorted, the order that sorts them) of an int64 array; equal values keep their
    order. Where the values leave room, each position is packed into the low bits and the
    array sorted once: numpy's SIMD sort of int64 is ~4x faster than its argsort (2.5M values:
    0.03 s against 0.11 s on the benchmark machine)."""
    n = len(values)
    if n == 0:
        return values.copy(), np.empty(0, dtype=np.int64)
    bits = max((n - 1).bit_length(), 1)
    if int(values.min()) < 0 or int(values.max()) >= 1 << (63 - bits):
        order = np.argsort(values, kind="stable")
        return values[order], order
    packed = (values << bits) | np.arange(n, dtype=np.int64)
    packed.sort()
    return packed >> bits, packed & ((1 << bits) - 1)


def candidate_pairs(
    holds: Holds,
    call_key: np.ndarray,
    call_t: np.ndarray,
    bucket_shift: int,
    index: HoldIndex | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(call index, hold index) of every hold envelope that covers a call's time, grouped by
    call (each call's pairs are contiguous). `index`: `index_holds` of `holds` (built here if
    not given).

    Many calls are split into one slice per CPU, searched in threads: numpy's sorts, searches
    and gathers release the GIL, and this pass is the engine's longest single-threaded step."""
    if len(holds.sid) == 0 or len(call_key) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    if index is None:
        index = index_holds(holds.key, holds.assigned_us, holds.to_us, bucket_shift)
    parts = min(_cpus(), max(1, len(call_key) // PARALLEL_MIN_CALLS))
    if parts == 1:
        return _candidate_pairs(holds, call_key, call_t, bucket_shift, index)
    bounds = np.linspace(0, len(call_key), parts + 1).astype(np.int64)
    results: list[tuple[np.ndarray, np.ndarray] | None] = [None] * parts
    errors: list[BaseException] = []

    def work(i: int) -> None:
        a, b = int(bounds[i]), int(bounds[i + 1])
        try:
            ci, h = _candidate_pairs(holds, call_key[a:b], call_t[a:b], bucket_shift, index)
            results[i] = (ci + a, h)
        except BaseException as e:  # re-raised below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(1, parts)]
    for t in threads:
        t.start()
    work(0)
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    done = [r for r in results if r is not None]
    # Each slice's pairs are grouped by call and the slices hold distinct calls.
    return np.concatenate([r[0] for r in done]), np.concatenate([r[1] for r in done])


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _candidate_pairs(
    holds: Holds, call_key: np.ndarray, call_t: np.ndarray, bucket_shift: int, index: HoldIndex
) -> tuple[np.ndarray, np.ndarray]:
    # A call whose bucket lies outside the holds' buckets has no envelope (and its packed key
    # could equal another number's): it finds no rows.
    cb = (call_t >> bucket_shift) - index.base
    outside = (cb < 0) | (cb >= index.span)
    # Sorted queries make the binary searches cache-friendly (several times faster). (Outside
    # calls are clipped into range only to sort: they find no rows whatever their query.)
    query, call_order = sort_with_order(call_key * index.span + np.clip(cb, 0, index.span - 1))
    lo = np.searchsorted(index.packed, query, side="left")
    hi = np.searchsorted(index.packed, query, side="right")
    if outside.any():
        hi[outside[call_order]] = lo[outside[call_order]]
    owner, pos = _expand(lo, hi - lo)
    call_idx = call_order[owner]
    h = index.hold_idx[pos]
    t = call_t[call_idx]
    keep = (holds.assigned_us[h] <= t) & (t <= holds.to_us[h])
    return call_idx[keep], h[keep]


def active(
    sid: np.ndarray,
    t: np.ndarray,
    timeout_us: np.ndarray,
    assigned_us: np.ndarray,
    beacons: Beacons | LazyBeacons,
) -> np.ndarray:
    """Mask of pairs whose session has a beacon in [t - timeout, t].

    Most pairs are settled without looking at beacons: the assignment is itself a beacon at or
    before t, and the session's last beacon is within the timeout of t for every covered t (the
    envelope ends there), so a pair passes if either lies in the window. Only calls made during
    a session, more than a timeout after the assignment, are checked beacon by beacon.
    """
    lo = t - timeout_us
    last = beacons.last[sid]
    out = (assigned_us >= lo) | ((last <= t) & (last >= lo))
    todo = np.flatnonzero(~out)
    if len(todo) == 0:
        return out
    if isinstance(beacons, LazyBeacons):
        need, row = np.unique(sid[todo], return_inverse=True)
        csr = beacons.fetch(need)
    else:
        csr, row = beacons, sid[todo]
    lengths = csr.length[row]
    # Chunks of at most ~ACTIVITY_CHUNK (pair, beacon) comparisons.
    ends = np.cumsum(lengths)
    cuts = np.searchsorted(ends, np.arange(ACTIVITY_CHUNK, int(ends[-1]), ACTIVITY_CHUNK))
    bounds = [0, *cuts.tolist(), len(todo)]
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        if a >= b:
            continue
        rows = todo[a:b]
        owner, idx = _expand(csr.start[row[a:b]], lengths[a:b])
        bt = csr.times[idx]
        hit = (bt <= t[rows][owner]) & (bt >= lo[rows][owner])
        out[rows] = np.bincount(owner[hit], minlength=b - a) > 0
    return out


_pages_lock = threading.Lock()
_pages_depth = 0
_pages_previous = True


@contextmanager
def small_pages() -> Iterator[None]:
    """numpy asks the kernel for transparent huge pages on large arrays (madvise). The passes
    here allocate a few hundred MB of short-lived arrays; where huge pages are faulted in with
    compaction (measured on the 2-core VM: the first pass over 1M calls took 1.0 s instead of
    0.6 s) small pages are cheaper. numpy's setting is process-wide: threads nest (the first
    to enter turns huge pages off, the last to leave restores numpy's setting)."""
    global _pages_depth, _pages_previous
    if _set_madvise_hugepage is None:
        yield
        return
    with _pages_lock:
        if _pages_depth == 0:
            _pages_previous = _set_madvise_hugepage(False)
        _pages_depth += 1
    try:
        yield
    finally:
        with _pages_lock:
            _pages_depth -= 1
            if _pages_depth == 0:
                _set_madvise_hugepage(_pages_previous)


def match_calls(
    holds: Holds,
    beacons: Beacons | LazyBeacons,
    call_key: np.ndarray,
    call_t: np.ndarray,
    call_timeout_us: np.ndarray,
    bucket_shift: int,
    tie_break: Callable[[np.ndarray], np.ndarray],
    index: HoldIndex | None = None,
) -> Match:
    """Candidates and winner of each call (all arrays int64, one row per call).

    `tie_break(sids)` returns, for an array of sids, their rank in session_id order (any
    integers that order like the session_ids); it is called once with the sessions of calls
    whose latest assignments are tied, if any. `index`: `index_holds` of `holds`, if already
    built.
    """
    n = len(call_key)
    count = np.zeros(n, dtype=np.int64)
    winner = np.full(n, -1, dtype=np.int64)
    call_idx, h = candidate_pairs(holds, call_key, call_t, bucket_shift, index)
    sid = holds.sid[h]
    assigned = holds.assigned_us[h]
    ok = active(sid, call_t[call_idx], call_timeout_us[call_idx], assigned, beacons)
    call_idx, sid, assigned = call_idx[ok], sid[ok], assigned[ok]
    if len(call_idx) == 0:
        return Match(count, winner)
    # Pairs are grouped by call: reduce each group.
    starts = np.flatnonzero(np.r_[True, call_idx[1:] != call_idx[:-1]])
    sizes = np.diff(np.r_[starts, len(call_idx)])
    group_call = call_idx[starts]
    count[group_call] = sizes
    # The latest assignment wins; several sessions sharing it are tied.
    best = np.maximum.reduceat(assigned, starts)
    is_best = assigned == np.repeat(best, sizes)
    n_best = np.add.reduceat(is_best.astype(np.int64), starts)
    group = np.repeat(np.arange(len(starts)), sizes)
    single = is_best & (n_best[group] == 1)
    winner[call_idx[single]] = sid[single]
    tied = is_best & (n_best[group] > 1)
    if tied.any():
        # Greatest session_id among the tied: sort by (group, rank), take each group's last.
        tg, ts = group[tied], sid[tied]
        o = np.lexsort((np.asarray(tie_break(ts), dtype=np.int64), tg))
        tg, ts = tg[o], ts[o]
        last = np.r_[tg[1:] != tg[:-1], True]
        winner[group_call[tg[last]]] = ts[last]
    return Match(count, winner)
