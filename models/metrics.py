"""Evaluation metrics of a scored validation set.

All are computed from (label, predicted probability) pairs, so the model and both baselines are
judged the same way on the same rows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


def top_fraction_lift(y: np.ndarray, p: np.ndarray, fraction: float = 0.1) -> float | None:
    """Conversion rate of the top `fraction` of calls by score, over the overall rate.

    Ties at the cut-off count in proportion (the expected lift under random tie-breaking), so a
    rule with only two score values gets its fair lift rather than one that depends on row order.
    """
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    n = len(y)
    base = y.mean() if n else 0.0
    if n == 0 or base == 0:
        return None
    k = max(1, math.ceil(fraction * n))
    threshold = np.sort(p)[::-1][k - 1]
    above = p > threshold
    tied = p == threshold
    need = k - above.sum()
    positives = y[above].sum() + need * y[tied].mean()
    return float(positives / k / base)


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict[str, Any]]:
    """Calls per equal-width probability bin: count, mean predicted, observed conversion rate."""
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1], right=False), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = idx == b
        if not mask.any():
            continue
        rows.append(
            {
                "bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}",
                "calls": int(mask.sum()),
                "mean_predicted": float(p[mask].mean()),
                "observed_rate": float(y[mask].mean()),
            }
        )
    return rows


def evaluate(y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    """ROC AUC, PR AUC (average precision), Brier score, top-decile lift and calibration table.
    A metric that is undefined on these rows (one class only) is None."""
    y, p = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    both = len(np.unique(y)) == 2
    return {
        "rows": int(len(y)),
        "positives": int(y.sum()),
        "base_rate": float(y.mean()) if len(y) else None,
        "roc_auc": float(roc_auc_score(y, p)) if both else None,
        "pr_auc": float(average_precision_score(y, p)) if both else None,
        "brier": float(brier_score_loss(y, p, pos_label=1)) if len(y) else None,
        "top_decile_lift": top_fraction_lift(y, p, 0.1),
        "calibration": calibration_table(y, p),
    }


SUMMARY_METRICS = ("roc_auc", "pr_auc", "brier", "top_decile_lift")
