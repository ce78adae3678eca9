"""Reference implementation of calltrack's pool-call attribution in Polars (join_asof).

The same algorithm as bench/attribution_ref_pandas.py in idiomatic Polars (lazy where it helps):
segments by a windowed diff, `join_asof` for the number row valid at call time, for counting
active holds and for the latest assignment at or before the call (stepping back while that hold
is not active). Timestamps are int64 microseconds. Used by bench/bench_attribution.py only.
"""

from __future__ import annotations

import numpy as np
import polars as pl

KEY = ["account_id", "tracking_number"]


def holds(beacons: pl.DataFrame, accounts: pl.DataFrame, default_timeout_min: int) -> pl.DataFrame:
    """Hold intervals [hold_from, hold_to] per assignment (see the engine's docstring)."""
    acc = accounts.select("account_id", pl.col("session_timeout_minutes").alias("tmo"))
    b = (
        beacons.lazy()
        .join(acc.lazy(), on="account_id", how="left")
        .with_columns(timeout=pl.col("tmo").fill_null(default_timeout_min) * 60_000_000)
        .sort(["account_id", "session_id", "occurred_at"])
        .with_columns(
            new_seg=(
                (pl.col("occurred_at").diff() > pl.col("timeout"))
                | (pl.col("session_id") != pl.col("session_id").shift())
                | (pl.col("account_id") != pl.col("account_id").shift())
            ).fill_null(True)
        )
        .with_columns(seg=pl.col("new_seg").cum_sum())
    )
    segs = b.group_by("seg").agg(
        pl.col("account_id").first(),
        pl.col("session_id").first(),
        seg_first=pl.col("occurred_at").min(),
        seg_end=pl.col("occurred_at").max() + pl.col("timeout").first(),
    )
    a = (
        b.filter(
            (pl.col("event_type") == "number.assigned") & pl.col("tracking_number").is_not_null()
        )
        .select("account_id", "session_id", "tracking_number", assigned_at="occurred_at")
        .unique()
        .sort(["account_id", "session_id", "tracking_number", "assigned_at"])
        .with_columns(
            next_assigned_at=pl.col("assigned_at")
            .shift(-1)
            .over(["account_id", "session_id", "tracking_number"])
        )
    )
    nxt = pl.col("next_assigned_at")
    h = (
        a.join(
            segs.select("account_id", "session_id", "seg_first", "seg_end"),
            on=["account_id", "session_id"],
        )
        .filter(
            (pl.col("seg_end") >= pl.col("assigned_at"))
            & (nxt.is_null() | (pl.col("seg_first") < nxt))
        )
        .with_columns(
            hold_from=pl.max_horizontal("seg_first", "assigned_at"),
            # min_horizontal ignores nulls: no next assignment leaves the segment end.
            hold_to=pl.min_horizontal("seg_end", nxt - 1),
        )
        .filter(pl.col("hold_from") <= pl.col("hold_to"))
        .select(
            "account_id", "session_id", "tracking_number", "assigned_at", "hold_from", "hold_to"
        )
    )
    return h.collect()


def attribute(
    beacons: pl.DataFrame,
    call_events: pl.DataFrame,
    numbers: pl.DataFrame,
    accounts: pl.DataFrame,
    default_timeout_min: int = 30,
) -> pl.DataFrame:
    """call_id, attribution_status, candidate_count, session_id for every call.

    Every asof join's inputs are sorted by their `on` column right before it, so Polars'
    sortedness check (which it cannot do with `by` groups anyway) is switched off.
    """
    h = holds(beacons, accounts, default_timeout_min)
    calls = (
        call_events.sort(
            ["call_id", pl.col("event_type") != "call.started", "occurred_at", "event_id"]
        )
        .unique("call_id", keep="first", maintain_order=True)
        .select("call_id", "account_id", "tracking_number", t="occurred_at")
        .sort("t")
    )
    # The number's row valid at call time: the latest valid_from at or before t, if not ended.
    calls = calls.join_asof(
        numbers.sort("valid_from"),
        left_on="t",
        right_on="valid_from",
        by=KEY,
        check_sortedness=False,
    ).with_columns(
        number_kind=pl.when(pl.col("valid_to").is_not_null() & (pl.col("t") >= pl.col("valid_to")))
        .then(None)
        .otherwise(pl.col("number_kind"))
    )
    pool = calls.filter(pl.col("number_kind") == "pool").select("call_id", "t", *KEY)

    # Candidates = holds started by t minus holds ended before t.
    hf = (
        h.sort("hold_from")
        .select(*KEY, "hold_from")
        .with_columns(n_from=pl.int_range(1, pl.len() + 1).over(KEY))
    )
    ht = (
        h.sort("hold_to")
        .select(*KEY, "hold_to")
        .with_columns(n_to=pl.int_range(1, pl.len() + 1).over(KEY))
    )
    pool = (
        pool.join_asof(hf, left_on="t", right_on="hold_from", by=KEY, check_sortedness=False)
        .join_asof(
            ht,
            left_on="t",
            right_on="hold_to",
            by=KEY,
            allow_exact_matches=False,
            check_sortedness=False,
        )
        .with_columns(candidate_count=pl.col("n_from").fill_null(0) - pl.col("n_to").fill_null(0))
    )

    # Winner: latest assignment at or before t with an active hold (step back until active).
    hs = h.sort([*KEY, "assigned_at", "session_id", "hold_from"]).with_row_index("pos")
    hs = hs.with_columns(gstart=pl.col("pos").min().over(KEY))
    ha = hs.sort(["assigned_at", "session_id", "hold_from"], maintain_order=True).select(
        *KEY, "assigned_at", "pos"
    )
    found = (
        pool.filter(pl.col("candidate_count") > 0)
        .sort("t")
        .join_asof(ha, left_on="t", right_on="assigned_at", by=KEY, check_sortedness=False)
    )
    t = found["t"].to_numpy()
    pos = found["pos"].to_numpy().astype("int64")
    hold_from, hold_to = hs["hold_from"].to_numpy(), hs["hold_to"].to_numpy()
    gstart = hs["gstart"].to_numpy().astype("int64")
    todo = np.flatnonzero(~((hold_from[pos] <= t) & (t <= hold_to[pos])))
    while len(todo):
        pos[todo] -= 1
        assert (pos[todo] >= gstart[pos[todo] + 1]).all(), "count > 0 but no active hold"
        ok = (hold_from[pos[todo]] <= t[todo]) & (t[todo] <= hold_to[pos[todo]])
        todo = todo[~ok]
    found = found.select("call_id").with_columns(session_id=hs["session_id"].gather(pos))
    pool = pool.join(found, on="call_id", how="left")

    out = calls.select("call_id", "number_kind").join(
        pool.select("call_id", "candidate_count", "session_id"), on="call_id", how="left"
    )
    cc = pl.col("candidate_count")
    return out.select(
        "call_id",
        attribution_status=pl.when(pl.col("number_kind") == "static")
        .then(pl.lit("static"))
        .when(cc == 1)
        .then(pl.lit("matched"))
        .when(cc > 1)
        .then(pl.lit("ambiguous"))
        .otherwise(pl.lit("unattributed")),
        candidate_count=cc,
        session_id=pl.col("session_id"),
    )
