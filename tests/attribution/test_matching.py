"""The array matcher (matching.py) against a direct, pair-by-pair reading of design.md's rule."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.attribution import matching

MIN = 60_000_000  # one minute in microseconds


def _brute(holds: matching.Holds, beacons: matching.Beacons, key, t, timeout, names):
    """Per call: (candidate count, winning sid or -1), by checking every hold."""
    out = []
    for c in range(len(key)):
        cands: dict[int, int] = {}
        for i in range(len(holds.sid)):
            s = int(holds.sid[i])
            if holds.key[i] != key[c] or not holds.assigned_us[i] <= t[c] <= holds.to_us[i]:
                continue
            times = beacons.times[beacons.start[s] : beacons.start[s] + beacons.length[s]]
            if ((times <= t[c]) & (times >= t[c] - timeout[c])).any():
                cands[s] = max(cands.get(s, -(2**62)), int(holds.assigned_us[i]))
        if not cands:
            out.append((0, -1))
            continue
        best = max(cands.values())
        win = max((s for s, a in cands.items() if a == best), key=lambda s: names[s])
        out.append((len(cands), win))
    return out


def _world(seed: int, n_sessions: int = 60, n_calls: int = 200):
    rng = np.random.default_rng(seed)
    times, start, length, last = [], [], [], []
    h_sid, h_key, h_a, h_to = [], [], [], []
    timeout = 30 * MIN
    pos = 0
    for s in range(n_sessions):
        t0 = int(rng.integers(0, 600)) * MIN
        steps = rng.integers(1, 20, size=int(rng.integers(2, 8))) * MIN
        if rng.random() < 0.3:  # a gap longer than the timeout
            steps[int(rng.integers(0, len(steps)))] += 45 * MIN
        bt = np.r_[t0, t0 + np.cumsum(steps)]
        times.append(rng.permutation(bt))  # any order within a session
        start.append(pos)
        length.append(len(bt))
        last.append(int(bt.max()))
        pos += len(bt)
        # One or two assignments (beacons of the session); ties in time across sessions are
        # common (minute grid). As the engine builds them, a number's hold ends where the next
        # assignment of the same number to the session begins.
        mine: dict[int, int] = {}
        for j in sorted(rng.choice(len(bt), size=int(rng.integers(1, 3)), replace=False)):
            k = int(rng.integers(0, 4))
            if k in mine:
                h_to[mine[k]] = min(h_to[mine[k]], int(np.sort(bt)[j]) - 1)
            mine[k] = len(h_sid)
            h_sid.append(s)
            h_key.append(k)
            h_a.append(int(np.sort(bt)[j]))
            h_to.append(int(bt.max()) + timeout)
    holds = matching.Holds(*(np.array(v, dtype=np.int64) for v in (h_sid, h_key, h_a, h_to)))
    beacons = matching.Beacons(
        start=np.array(start, dtype=np.int64),
        length=np.array(length, dtype=np.int64),
        times=np.concatenate(times).astype(np.int64),
        last=np.array(last, dtype=np.int64),
    )
    key = rng.integers(0, 4, size=n_calls).astype(np.int64)
    t = (rng.integers(0, 800, size=n_calls) * MIN).astype(np.int64)
    timeouts = np.full(n_calls, timeout, dtype=np.int64)
    names = [f"s{rng.integers(0, 10**6):07d}" for _ in range(n_sessions)]
    return holds, beacons, key, t, timeouts, names


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("shift", [26, 32])
def test_kernel_equals_the_rule_pair_by_pair(seed: int, shift: int, monkeypatch) -> None:
    # Small chunks exercise the chunked activity pass; small buckets holds spanning many.
    monkeypatch.setattr(matching, "ACTIVITY_CHUNK", 7)
    holds, beacons, key, t, timeouts, names = _world(seed)

    def tie_break(sids: np.ndarray) -> np.ndarray:
        return np.array([names[s] for s in sids]).argsort().argsort()

    m = matching.match_calls(holds, beacons, key, t, timeouts, shift, tie_break)
    got = list(zip(m.candidate_count.tolist(), m.sid.tolist(), strict=True))
    assert got == _brute(holds, beacons, key, t, timeouts, names)
    assert (m.candidate_count > 1).any() and (m.candidate_count == 0).any()


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("threads", [2, 3])
def test_candidate_search_split_across_threads(seed: int, threads: int, monkeypatch) -> None:
    # Many calls are searched in one slice per CPU; the slices' pairs must come back grouped by
    # call, with the calls' own indices (a slice's local index plus its offset).
    holds, beacons, key, t, timeouts, names = _world(seed)

    def tie_break(sids: np.ndarray) -> np.ndarray:
        return np.array([names[s] for s in sids]).argsort().argsort()

    monkeypatch.setattr(matching, "PARALLEL_MIN_CALLS", 30)
    monkeypatch.setattr(matching, "_cpus", lambda: threads)
    seen: list[int] = []
    search = matching._candidate_pairs

    def counting(*args, **kwargs):
        seen.append(len(args[1]))
        return search(*args, **kwargs)

    monkeypatch.setattr(matching, "_candidate_pairs", counting)
    m = matching.match_calls(holds, beacons, key, t, timeouts, 32, tie_break)
    got = list(zip(m.candidate_count.tolist(), m.sid.tolist(), strict=True))
    assert got == _brute(holds, beacons, key, t, timeouts, names)
    assert len(seen) == threads and sum(seen) == len(key)


@pytest.mark.parametrize("seed", range(4))
def test_beacons_read_on_demand_give_the_same_result(seed: int) -> None:
    holds, beacons, key, t, timeouts, names = _world(seed)
    asked: list[np.ndarray] = []

    def fetch(sids: np.ndarray) -> matching.Beacons:
        asked.append(sids)
        parts = [
            beacons.times[beacons.start[s] : beacons.start[s] + beacons.length[s]] for s in sids
        ]
        length = np.array([len(p) for p in parts], dtype=np.int64)
        return matching.Beacons(
            start=np.cumsum(length) - length,
            length=length,
            times=np.concatenate(parts),
            last=beacons.last[:0],
        )

    def tie_break(sids: np.ndarray) -> np.ndarray:
        return np.array([names[s] for s in sids]).argsort().argsort()

    lazy = matching.LazyBeacons(last=beacons.last, fetch=fetch)
    a = matching.match_calls(holds, beacons, key, t, timeouts, 32, tie_break)
    b = matching.match_calls(holds, lazy, key, t, timeouts, 32, tie_break)
    assert (a.candidate_count == b.candidate_count).all() and (a.sid == b.sid).all()
    # Asked once, for some sessions only, sorted and distinct.
    assert len(asked) == 1 and 0 < len(asked[0]) < len(beacons.last)
    assert (np.diff(asked[0]) > 0).all()


def test_no_holds_or_no_calls() -> None:
    holds, beacons, key, t, timeouts, names = _world(1)
    empty = matching.Holds(*(np.empty(0, dtype=np.int64) for _ in range(4)))
    m = matching.match_calls(empty, beacons, key, t, timeouts, 32, lambda s: s)
    assert (m.candidate_count == 0).all() and (m.sid == -1).all()
    m = matching.match_calls(holds, beacons, key[:0], t[:0], timeouts[:0], 32, lambda s: s)
    assert len(m.sid) == 0


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("shift", [26, 32])
def test_index_built_beforehand_and_calls_outside_the_holds_buckets(seed: int, shift: int) -> None:
    # The engine builds the hold index (from the holds alone) while it reads the calls; calls
    # long before the first or after the last envelope must find nothing, not another
    # number's rows.
    holds, beacons, key, t, timeouts, names = _world(seed)
    t = np.r_[t, -(10**12), 10**13, t.max() + (1 << shift) * 3].astype(np.int64)
    key = np.r_[key, 0, 1, 3].astype(np.int64)
    timeouts = np.r_[timeouts, timeouts[:3]]

    def tie_break(sids: np.ndarray) -> np.ndarray:
        return np.array([names[s] for s in sids]).argsort().argsort()

    index = matching.index_holds(holds.key, holds.assigned_us, holds.to_us, shift)
    a = matching.match_calls(holds, beacons, key, t, timeouts, shift, tie_break, index=index)
    got = list(zip(a.candidate_count.tolist(), a.sid.tolist(), strict=True))
    assert got == _brute(holds, beacons, key, t, timeouts, names)
    assert got[-3:] == [(0, -1)] * 3


def test_small_pages_nest_across_threads() -> None:
    if matching._set_madvise_hugepage is None:
        pytest.skip("numpy without the huge-page switch")
    before = matching._set_madvise_hugepage(True)
    try:
        with matching.small_pages():
            with matching.small_pages():  # (another thread's pass)
                assert matching._set_madvise_hugepage(False) is False
            assert matching._set_madvise_hugepage(False) is False  # still off
        assert matching._set_madvise_hugepage(True) is True  # restored
    finally:
        matching._set_madvise_hugepage(before)


@pytest.mark.parametrize(
    "values",
    [
        [5, 3, 5, 0, 3, 3, 9],  # packed: positions fit in the low bits
        [5, -3, 5, 0, -3, 3, 9],  # negative: argsort
        [2**61, 7, 2**61, 7],  # no room for the positions: argsort
        [],
    ],
)
def test_sort_with_order_is_a_stable_argsort(values: list[int]) -> None:
    a = np.array(values, dtype=np.int64)
    got, order = matching.sort_with_order(a)
    expected = np.argsort(a, kind="stable")
    assert order.tolist() == expected.tolist()
    assert got.tolist() == a[expected].tolist()
