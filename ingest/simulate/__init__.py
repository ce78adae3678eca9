"""The landing-zone simulator: realistic, messy, deterministic call-tracking data with truth.

`simulate(out, days=30, seed=7, scale="medium")` writes every feed of `ingest.contract` under
`out/{feed}/dt=YYYY-MM-DD/*.parquet`, recordings under `out/recordings/`, and the ground truth
(what really happened, and what design.md's rules should conclude) under `out/_truth/`.
"""

from ingest.simulate.core import SimulationSummary, simulate
from ingest.simulate.engine import Behaviour
from ingest.simulate.mess import MessRates
from ingest.simulate.profiles import SCALES
from ingest.simulate.recordings import ClipLibraryMissing
from ingest.simulate.truth import read_truth

__all__ = [
    "SCALES",
    "Behaviour",
    "ClipLibraryMissing",
    "MessRates",
    "SimulationSummary",
    "read_truth",
    "simulate",
]
