"""Reading the ground truth a simulation wrote under `{landing}/_truth/`.

Files: `calls.parquet` (one row per call: the true session/visitor/channel/source/medium/campaign/
keyword, what design.md's rules should conclude, answered/talk/qualified, intent and recording,
conversion), `sessions.parquet`, `conversions.parquet` (true and rule-linked call),
`ad_spend.parquet` (the final value per key after restatements), `messy.json` (exact counts of
injected mess), `accounts.json` (pools, reassigned and unknown numbers), `summary.json`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

TRUTH_DIR = "_truth"


@dataclass(frozen=True)
class Truth:
    root: Path
    calls: pa.Table
    sessions: pa.Table
    conversions: pa.Table
    ad_spend: pa.Table
    messy: dict[str, Any]
    accounts: list[dict[str, Any]]
    summary: dict[str, Any]


def read_truth(landing: Path | str) -> Truth:
    """The ground truth of the landing zone at `landing` (a local folder)."""
    root = Path(landing) / TRUTH_DIR
    if not root.is_dir():
        raise FileNotFoundError(f"{root} does not exist: was {landing} written by the simulator?")
    return Truth(
        root=root,
        calls=pq.read_table(root / "calls.parquet"),
        sessions=pq.read_table(root / "sessions.parquet"),
        conversions=pq.read_table(root / "conversions.parquet"),
        ad_spend=pq.read_table(root / "ad_spend.parquet"),
        messy=json.loads((root / "messy.json").read_text()),
        accounts=json.loads((root / "accounts.json").read_text()),
        summary=json.loads((root / "summary.json").read_text()),
    )
