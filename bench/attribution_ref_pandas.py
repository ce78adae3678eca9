"""Reference implementation of calltrack's pool-call attribution in pandas (merge_asof).

Same semantics as `pipelines/attribution/engine.py` (design.md "Semantics"), written the way a
pandas user would: sort + diff for activity segments, `merge_asof` for the number row valid at
call time, for counting the holds active at the call, and for the latest assignment at or
before the call (stepping back while that hold is not active). Timestamps are int64
microseconds since the epoch. Used by bench/bench_attribution.py only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEY = ["account_id", "tracking_number"]


def holds(beacons: pd.DataFrame, accounts: pd.DataFrame, default_timeout_min: int) -> pd.DataFrame:
    """Hold intervals [hold_from, hold_to] per assignment (see the engine's docstring)."""
    timeout = (
        beacons["account_id"]
        .map(accounts.set_index("account_id")["session_timeout_minutes"])
        .fillna(default_timeout_min)
        .astype("int64")
        * 60_000_000
    )
    b = beacons.assign(timeout=timeout).sort_values(
        ["account_id", "session_id", "occurred_at"], kind="stable"
    )
    same = (b["account_id"].values[1:] == b["account_id"].values[:-1]) & (
        b["session_id"].values[1:] == b["session_id"].values[:-1]
    )
    gap = np.diff(b["occurred_at"].values)
    new_seg = np.concatenate([[True], ~same | (gap > b["timeout"].values[1:])])
    b["seg"] = np.cumsum(new_seg)
    segs = b.groupby("seg", sort=False).agg(
        account_id=("account_id", "first"),
        session_id=("session_id", "first"),
        seg_first=("occurred_at", "min"),
        seg_last=("occurred_at", "max"),
        timeout=("timeout", "first"),
    )
    segs["seg_end"] = segs["seg_last"] + segs["timeout"]
    a = (
        b.loc[
            (b["event_type"] == "number.assigned") & b["tracking_number"].notna(),
            ["account_id", "session_id", "tracking_number", "occurred_at"],
        ]
        .rename(columns={"occurred_at": "assigned_at"})
        .drop_duplicates()
        .sort_values(["account_id", "session_id", "tracking_number", "assigned_at"])
    )
    a["next_assigned_at"] = a.groupby(["account_id", "session_id", "tracking_number"])[
        "assigned_at"
    ].shift(-1)
    h = a.merge(
        segs[["account_id", "session_id", "seg_first", "seg_end"]], on=["account_id", "session_id"]
    )
    nxt = h["next_assigned_at"]
    h = h[(h["seg_end"] >= h["assigned_at"]) & (nxt.isna() | (h["seg_first"] < nxt))]
    h = h.assign(
        hold_from=np.maximum(h["seg_first"], h["assigned_at"]),
        hold_to=np.minimum(h["seg_end"], h["next_assigned_at"].fillna(2**62) - 1).astype("int64"),
    )
    return h.loc[
        h["hold_from"] <= h["hold_to"],
        ["account_id", "session_id", "tracking_number", "assigned_at", "hold_from", "hold_to"],
    ].reset_index(drop=True)


def attribute(
    beacons: pd.DataFrame,
    call_events: pd.DataFrame,
    numbers: pd.DataFrame,
    accounts: pd.DataFrame,
    default_timeout_min: int = 30,
) -> pd.DataFrame:
    """call_id, attribution_status, candidate_count, session_id for every call."""
    h = holds(beacons, accounts, default_timeout_min)
    ev = call_events.assign(not_started=call_events["event_type"] != "call.started")
    calls = (
        ev.sort_values(["call_id", "not_started", "occurred_at", "event_id"])
        .drop_duplicates("call_id")[["call_id", "account_id", "occurred_at", "tracking_number"]]
        .rename(columns={"occurred_at": "t"})
        .sort_values("t")
    )
    # The number's row valid at call time: the latest valid_from at or before t, if not ended.
    nums = numbers.sort_values("valid_from")
    calls = pd.merge_asof(calls, nums, left_on="t", right_on="valid_from", by=KEY)
    ended = calls["valid_to"].notna() & (calls["t"] >= calls["valid_to"])
    calls.loc[ended, "number_kind"] = None
    pool = calls[calls["number_kind"] == "pool"][["call_id", "t", *KEY]]

    # Candidates = holds active at t = (holds started by t) - (holds ended before t).
    hf = h.sort_values("hold_from")[[*KEY, "hold_from"]]
    hf["n_from"] = hf.groupby(KEY).cumcount() + 1
    ht = h.sort_values("hold_to")[[*KEY, "hold_to"]]
    ht["n_to"] = ht.groupby(KEY).cumcount() + 1
    pool = pd.merge_asof(pool, hf, left_on="t", right_on="hold_from", by=KEY)
    pool = pd.merge_asof(
        pool, ht, left_on="t", right_on="hold_to", by=KEY, allow_exact_matches=False
    )
    pool["candidate_count"] = (pool["n_from"].fillna(0) - pool["n_to"].fillna(0)).astype("int64")

    # Winner: the latest assignment at or before t whose hold is active; step back from the
    # asof match (same number, earlier in (assigned_at, session_id, hold_from) order) until one is.
    hs = h.sort_values([*KEY, "assigned_at", "session_id", "hold_from"]).reset_index(drop=True)
    hs["pos"] = np.arange(len(hs))
    hs["gstart"] = hs["pos"] - hs.groupby(KEY).cumcount()
    ha = hs.sort_values(["assigned_at", "session_id", "hold_from"], kind="stable")
    found = pool[pool["candidate_count"] > 0].sort_values("t")
    found = pd.merge_asof(
        found, ha[[*KEY, "assigned_at", "pos"]], left_on="t", right_on="assigned_at", by=KEY
    )
    t = found["t"].to_numpy()
    pos = found["pos"].to_numpy().astype("int64")
    hold_from, hold_to = hs["hold_from"].to_numpy(), hs["hold_to"].to_numpy()
    gstart = hs["gstart"].to_numpy()
    todo = np.flatnonzero(~((hold_from[pos] <= t) & (t <= hold_to[pos])))
    while len(todo):
        pos[todo] -= 1
        assert (pos[todo] >= gstart[pos[todo] + 1]).all(), "count > 0 but no active hold"
        ok = (hold_from[pos[todo]] <= t[todo]) & (t[todo] <= hold_to[pos[todo]])
        todo = todo[~ok]
    found["session_id"] = hs["session_id"].to_numpy()[pos]
    pool = pool.merge(found[["call_id", "session_id"]], on="call_id", how="left")

    out = calls[["call_id", "number_kind"]].merge(
        pool[["call_id", "candidate_count", "session_id"]], on="call_id", how="left"
    )
    cc = out["candidate_count"]
    out["attribution_status"] = np.select(
        [out["number_kind"] == "static", cc == 1, cc > 1],
        ["static", "matched", "ambiguous"],
        "unattributed",
    )
    out["candidate_count"] = cc.astype("Int64")
    return out[["call_id", "attribution_status", "candidate_count", "session_id"]]
