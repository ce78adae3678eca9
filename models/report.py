"""The Markdown report of a run: the model against both baselines on the same validation rows."""

from __future__ import annotations

from typing import Any

from models.metrics import SUMMARY_METRICS

LABELS = {
    "model": "model",
    "duration_rule": "baseline: qualified-call duration rule",
    "logistic_no_text": "baseline: logistic regression, no transcript features",
}


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def comparison(metrics: dict[str, Any]) -> dict[str, float | None]:
    """ROC AUC gain over the best baseline and Brier change (negative = better)."""
    model = metrics.get("model") or {}
    baselines = [metrics.get(k) or {} for k in ("duration_rule", "logistic_no_text")]
    aucs = [b.get("roc_auc") for b in baselines if b.get("roc_auc") is not None]
    briers = [b.get("brier") for b in baselines if b.get("brier") is not None]
    return {
        "roc_auc_gain_over_best_baseline": model["roc_auc"] - max(aucs)
        if model.get("roc_auc") is not None and aucs
        else None,
        "brier_change_vs_best_baseline": model["brier"] - min(briers)
        if model.get("brier") is not None and briers
        else None,
    }


def render_report(
    *,
    title: str,
    model_version: str,
    kind: str,
    config: dict[str, Any],
    window: dict[str, Any],
    metrics: dict[str, Any],
    code_version: str,
    notes: list[str] | None = None,
    tuning: list[dict[str, Any]] | None = None,
) -> str:
    lines = [
        f"# {title}",
        "",
        f"- model version: `{model_version}` ({kind})",
        f"- model type: `{config.get('model_type')}`, seed {config.get('seed')}, "
        f"calibration `{config.get('calibration')}`",
        f"- code version: `{code_version}`",
        f"- train: {window.get('train_start')} → {window.get('train_end')} "
        f"({metrics.get('train_rows')} labelled calls)",
        f"- validation: {window.get('valid_start')} → {window.get('valid_end')} "
        f"(split by {window.get('method')}, cutoff {window.get('cutoff')})",
        "",
    ]
    for note in notes or []:
        lines.append(f"> {note}")
    if notes:
        lines.append("")
    lines += [
        "## Validation metrics (held-out later calls)",
        "",
        "| | rows | positives | ROC AUC | PR AUC | Brier | top-decile lift |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, label in LABELS.items():
        m = metrics.get(key)
        if not m:
            continue
        cells = [_fmt(m.get("rows")), _fmt(m.get("positives"))]
        cells += [_fmt(m.get(name)) for name in SUMMARY_METRICS]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    cmp = comparison(metrics)
    lines += [
        "",
        f"ROC AUC gain over the best baseline: {_fmt(cmp['roc_auc_gain_over_best_baseline'])}; "
        f"Brier change vs the best baseline: {_fmt(cmp['brier_change_vs_best_baseline'])} "
        "(negative is better).",
        "",
        "## Calibration of the model (validation)",
        "",
        "| predicted bin | calls | mean predicted | observed rate |",
        "| --- | ---: | ---: | ---: |",
    ]
    for row in (metrics.get("model") or {}).get("calibration", []):
        lines.append(
            f"| {row['bin']} | {row['calls']} | {row['mean_predicted']:.3f} "
            f"| {row['observed_rate']:.3f} |"
        )
    if tuning:
        lines += [
            "",
            "## Tuning (forward-chaining folds over the training weeks)",
            "",
            "| hyperparameters | mean CV score | folds |",
            "| --- | ---: | ---: |",
        ]
        for row in tuning:
            lines.append(f"| `{row['params']}` | {_fmt(row['score'])} | {row['folds']} |")
    lines += [
        "",
        "## Features",
        "",
        f"- numeric: {', '.join(config['features']['numeric']) or '—'}",
        f"- categorical: {', '.join(config['features']['categorical']) or '—'}",
        f"- text (TF-IDF): {', '.join(config['features']['text']) or '—'}",
        "",
    ]
    return "\n".join(lines)
