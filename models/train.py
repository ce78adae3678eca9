"""Training, tuning and evaluation runs: plain functions over a DuckDB connection.

`fit_and_evaluate` is pure (a feature frame in, a fitted model and its metrics out); `train`,
`tune` and `evaluate` add the registry around it. Only rows whose 30-day label window is complete
are trained or evaluated on.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import yaml

from models.config import CHAMPION_METRICS, FeatureSet, ModelConfig
from models.estimators import build_estimator
from models.features import TRANSCRIPT_COLUMNS, labelled, load_features, model_input, target
from models.metrics import evaluate as compute_metrics
from models.registry import (
    RegisteredModel,
    champion,
    code_version,
    new_model_version,
    open_model,
    record_run,
    save_model,
)
from models.report import comparison, render_report
from models.split import TimeSplit, forward_folds, time_split


class NotEnoughData(ValueError):
    """Too few labelled calls (or positives) to train and validate a model honestly."""


@dataclass
class FitResult:
    config: ModelConfig
    estimator: Any
    split: TimeSplit
    metrics: dict[str, Any]  # "model", "duration_rule", "logistic_no_text", + row counts
    tuning: list[dict[str, Any]] = field(default_factory=list)


def baseline_configs(config: ModelConfig) -> dict[str, ModelConfig]:
    """The two baselines every run is compared with, on the same split: the qualified-call
    duration rule (calibrated on the training rows), and a logistic regression on the model's
    features less every transcript feature (words, spotted keywords, outcome, sentiment,
    transcript status): what the same calls tell a team that does not transcribe them."""
    tabular = FeatureSet(
        numeric=tuple(c for c in config.features.numeric if c not in TRANSCRIPT_COLUMNS),
        categorical=tuple(c for c in config.features.categorical if c not in TRANSCRIPT_COLUMNS),
    )
    if not tabular.columns:
        tabular = FeatureSet(numeric=("talk_seconds", "is_qualified"))
    return {
        "duration_rule": ModelConfig(
            name="baseline-duration-rule",
            model_type="duration_rule",
            features=FeatureSet(numeric=("is_qualified", "talk_seconds", "qualified_call_seconds")),
            calibration="none",
            seed=config.seed,
        ),
        "logistic_no_text": ModelConfig(
            name="baseline-logistic-no-text",
            model_type="logistic",
            features=tabular,
            calibration="none",
            seed=config.seed,
        ),
    }


def check_enough_data(split: TimeSplit, config: ModelConfig) -> None:
    need = config.minimum_data
    n = len(split.train) + len(split.valid)
    y_train, y_valid = target(split.train), target(split.valid)
    problems = []
    if n < need.labelled_calls:
        problems.append(f"{n} labelled calls (< {need.labelled_calls})")
    if sum(y_train) < need.positives or sum(y_train) == len(y_train):
        problems.append(f"{sum(y_train)} converted training calls (< {need.positives})")
    if sum(y_valid) < need.validation_positives or sum(y_valid) == len(y_valid):
        problems.append(f"{sum(y_valid)} converted validation calls")
    if problems:
        raise NotEnoughData("not enough labelled data to train: " + "; ".join(problems))


def predict(estimator: Any, frame: pl.DataFrame, features: FeatureSet) -> np.ndarray:
    """Probability of conversion for every row of `frame` (any columns; only features are read)."""
    if frame.is_empty():
        return np.zeros(0)
    return np.asarray(estimator.predict_proba(model_input(frame, features))[:, 1], dtype=float)


def fit(config: ModelConfig, frame: pl.DataFrame) -> Any:
    estimator = build_estimator(config)
    return estimator.fit(model_input(frame, config.features), np.asarray(target(frame)))


def fit_and_evaluate(frame: pl.DataFrame, config: ModelConfig) -> FitResult:
    """Split the labelled rows of `frame` in time, fit `config` and both baselines on the
    earlier weeks, and measure all three on the later weeks."""
    rows = labelled(frame)
    if rows.is_empty():
        raise NotEnoughData(
            "not enough labelled data to train: no call has a complete 30-day label window yet"
        )
    split = time_split(rows, config.split)
    check_enough_data(split, config)
    y_valid = np.asarray(target(split.valid))
    estimator = fit(config, split.train)
    metrics: dict[str, Any] = {
        "model": compute_metrics(y_valid, predict(estimator, split.valid, config.features)),
        "train_rows": len(split.train),
        "train_positives": int(sum(target(split.train))),
    }
    for name, baseline in baseline_configs(config).items():
        fitted = fit(baseline, split.train)
        metrics[name] = compute_metrics(y_valid, predict(fitted, split.valid, baseline.features))
    metrics.update(comparison(metrics))
    return FitResult(config, estimator, split, metrics)


def _register(
    con: duckdb.DuckDBPyConnection,
    models_dir: str | Path,
    result: FitResult,
    *,
    kind: str,
    now: datetime,
    notes: list[str] | None = None,
    fallback: bool = False,
) -> RegisteredModel:
    config = result.config
    version = new_model_version(models_dir, config.name, now)
    window = result.split.window() if result.split is not None else {}
    report = render_report(
        title=f"calltrack call-scoring model `{version}`",
        model_version=version,
        kind=kind,
        config=config.to_dict(),
        window=window,
        metrics=result.metrics,
        code_version=code_version(),
        notes=notes,
        tuning=result.tuning,
    )
    metadata = {
        "kind": kind,
        "model_type": config.model_type,
        "config": config.to_dict(),
        "feature_columns": list(config.features.columns),
        "data_window": window,
        "metrics": result.metrics,
        "tuning": result.tuning,
        "code_version": code_version(),
        "created_at": now.isoformat(),
        "fallback": fallback,
        "notes": notes or [],
        "library_versions": _library_versions(),
    }
    registered = save_model(models_dir, version, result.estimator, metadata, report)
    start = window.get("train_start") or window.get("valid_start")
    end = window.get("valid_end") or window.get("train_end")
    record_run(
        con,
        model_version=version,
        kind=kind,
        model_type=config.model_type,
        config_json=config.to_json(),
        feature_set=list(config.features.columns),
        data_window=(start, end),
        metrics={**result.metrics, "fallback": fallback, "data_window": window},
        artifact_path=registered.artifact_dir,
        created_at=now,
    )
    return registered


def _library_versions() -> dict[str, str]:
    import sklearn

    return {"scikit-learn": sklearn.__version__, "numpy": np.__version__, "polars": pl.__version__}


def train(
    con: duckdb.DuckDBPyConnection,
    config: ModelConfig,
    models_dir: str | Path,
    *,
    now: datetime | None = None,
) -> RegisteredModel:
    """`calltrack model train`: fit, evaluate against the baselines, register."""
    result = fit_and_evaluate(load_features(con), config)
    return _register(con, models_dir, result, kind="train", now=now or datetime.now(UTC))


def train_fallback(
    con: duckdb.DuckDBPyConnection,
    config: ModelConfig,
    models_dir: str | Path,
    reason: str,
    *,
    now: datetime | None = None,
) -> RegisteredModel:
    """Register the calibrated duration rule as the model, for warehouses with too little
    labelled data. It is fitted on whatever labelled calls exist (none: its Beta priors), scores
    every call, and ranks below any trained model, so the first real training replaces it."""
    baseline = baseline_configs(config)["duration_rule"]
    rule_config = replace(baseline, name=f"{config.name}-fallback", champion=config.champion)
    rows = labelled(load_features(con))
    estimator = build_estimator(rule_config)
    estimator.fit(model_input(rows, rule_config.features), np.asarray(target(rows)))
    result = FitResult(
        config=rule_config,
        estimator=estimator,
        split=None,  # type: ignore[arg-type]
        metrics={"model": None, "train_rows": len(rows), "reason": reason},
    )
    notes = [f"Fallback model: {reason}. Scores are the calibrated qualified-call rule."]
    return _register(
        con,
        models_dir,
        result,
        kind="train",
        now=now or datetime.now(UTC),
        notes=notes,
        fallback=True,
    )


def parameter_grid(config: ModelConfig) -> list[dict[str, Any]]:
    """The declared search space as a list of points (sampled, seeded, when `n_iter` is set)."""
    space = config.tune.space
    if not space:
        raise ValueError(f"config {config.name!r} declares no tune.space")
    names = sorted(space)
    points = [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*(space[n] for n in names))
    ]
    if config.tune.n_iter and config.tune.n_iter < len(points):
        rng = np.random.default_rng(config.seed)
        picked = sorted(rng.choice(len(points), size=config.tune.n_iter, replace=False))
        points = [points[i] for i in picked]
    return points


def cross_validate(
    config: ModelConfig, train_rows: pl.DataFrame, points: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Mean validation metric of each point over forward-chaining folds of the (time-sorted)
    training rows. Ranking metrics skip calibration (it barely moves them and triples the cost)."""
    metric = config.tune.metric
    x_all = train_rows.sort(["ended_at", "call_id"])
    y_all = np.asarray(target(x_all))
    results = []
    for params in points:
        candidate = config.with_hyperparameters(**params)
        scores = []
        for tr, te in forward_folds(len(x_all), config.tune.folds):
            if len(np.unique(y_all[tr])) < 2 or len(np.unique(y_all[te])) < 2:
                continue  # a fold with one class says nothing about ranking
            est = build_estimator(candidate, calibrate=metric == "brier")
            est.fit(model_input(x_all[tr], config.features), y_all[tr])
            p = predict(est, x_all[te], config.features)
            scores.append(compute_metrics(y_all[te], p)[metric])
        mean = float(np.mean(scores)) if scores else None
        results.append({"params": params, "score": mean, "folds": len(scores)})
    return results


def tune(
    con: duckdb.DuckDBPyConnection,
    config: ModelConfig,
    models_dir: str | Path,
    *,
    now: datetime | None = None,
) -> RegisteredModel:
    """`calltrack model tune`: cross-validated search over `tune.space` on the training weeks
    only, then the best point is fitted and judged on the held-out later weeks like `train`."""
    frame = load_features(con)
    rows = labelled(frame)
    if rows.is_empty():
        raise NotEnoughData(
            "not enough labelled data to train: no call has a complete 30-day label window yet"
        )
    split = time_split(rows, config.split)
    check_enough_data(split, config)
    results = cross_validate(config, split.train, parameter_grid(config))
    higher = CHAMPION_METRICS[config.tune.metric]
    scored = [r for r in results if r["score"] is not None]
    if not scored:
        raise NotEnoughData("no cross-validation fold had both classes")
    best = max(scored, key=lambda r: r["score"] if higher else -r["score"])
    best_config = config.with_hyperparameters(**best["params"])
    result = fit_and_evaluate(frame, best_config)
    result.tuning = results
    registered = _register(con, models_dir, result, kind="tune", now=now or datetime.now(UTC))
    # The winning config, ready for `calltrack model train --config`.
    best_yaml = best_config.to_dict()
    best_yaml.pop("tune", None)
    (registered.artifact_dir / "config.yaml").write_text(
        yaml.safe_dump(_plain(best_yaml), sort_keys=False)
    )
    return registered


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def evaluate(
    con: duckdb.DuckDBPyConnection,
    models_dir: str | Path,
    config: ModelConfig,
    *,
    model_version: str | None = None,
    now: datetime | None = None,
) -> tuple[RegisteredModel, Path, dict[str, Any]]:
    """`calltrack model evaluate`: judge a registered model (default: the champion) on the
    labelled calls that ended after its training cutoff — calls it never saw — against both
    baselines refitted on the calls before that cutoff. Writes a report and records the run."""
    now = now or datetime.now(UTC)
    model = (
        open_model(models_dir, model_version)
        if model_version
        else champion(con, models_dir, config.champion)
    )
    if model is None:
        raise LookupError("no model is registered yet: run `calltrack model train` first")
    if model.is_fallback:
        raise NotEnoughData(f"{model.model_version} is the fallback rule; nothing to evaluate")
    from models.config import config_from_dict

    model_config = config_from_dict(_plain(model.metadata["config"]))
    cutoff = datetime.fromisoformat(model.metadata["data_window"]["cutoff"])
    rows = labelled(load_features(con))
    split = TimeSplit(
        train=rows.filter(pl.col("ended_at") < cutoff),
        valid=rows.filter(pl.col("ended_at") >= cutoff),
        cutoff=cutoff,
        method="model cutoff",
    )
    if split.valid.is_empty() or split.train.is_empty():
        raise NotEnoughData("no labelled calls on both sides of the model's training cutoff")
    y_valid = np.asarray(target(split.valid))
    metrics: dict[str, Any] = {
        "model": compute_metrics(
            y_valid, predict(model.load(), split.valid, model_config.features)
        ),
        "train_rows": len(split.train),
    }
    for name, baseline in baseline_configs(model_config).items():
        fitted = fit(baseline, split.train)
        metrics[name] = compute_metrics(y_valid, predict(fitted, split.valid, baseline.features))
    metrics.update(comparison(metrics))
    window = split.window()
    report = render_report(
        title=f"Evaluation of `{model.model_version}` on {now:%Y-%m-%d %H:%M} UTC",
        model_version=model.model_version,
        kind="evaluate",
        config=model_config.to_dict(),
        window=window,
        metrics=metrics,
        code_version=code_version(),
    )
    out = model.artifact_dir / "evaluations" / f"{now.astimezone(UTC):%Y%m%dT%H%M%S%fZ}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    record_run(
        con,
        model_version=model.model_version,
        kind="evaluate",
        model_type=model_config.model_type,
        config_json=model_config.to_json(),
        feature_set=list(model_config.features.columns),
        data_window=(window["valid_start"], window["valid_end"]),
        metrics={**metrics, "data_window": window},
        artifact_path=out,
        created_at=now,
    )
    return model, out, metrics
