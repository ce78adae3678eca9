"""Model configuration: one YAML file per experiment.

A config names the model type, its hyperparameters, the feature set, the seed, how data are
split in time, the tuning space and how the champion is chosen. Everything an ML engineer changes
between experiments is here, so a run is reproduced from its config (stored with every run) and
the same warehouse data.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

# Model types `build_estimator` knows. `duration_rule` is the qualified-call rule, calibrated:
# it is the first baseline and the fallback model when there is too little labelled data.
MODEL_TYPES = ("hist_gradient_boosting", "logistic", "duration_rule")
CALIBRATION_METHODS = ("isotonic", "sigmoid", "none")
# Metrics the champion can be chosen by, and whether higher is better.
CHAMPION_METRICS = {"roc_auc": True, "pr_auc": True, "brier": False, "top_decile_lift": True}

PACKAGED_CONFIG_DIR = Path(__file__).parent / "configs"
DEFAULT_CONFIG_PATH = "models/configs/default.yaml"


@dataclass(frozen=True)
class FeatureSet:
    """Which columns of `ml.ml_call_features` the model reads (validated in `features.py`)."""

    numeric: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    # Free-text columns, each vectorized with TF-IDF; empty when the call has no transcript.
    text: tuple[str, ...] = ()
    text_max_features: int = 2000
    # Dense size of the text block for tree models (TF-IDF -> truncated SVD); linear models use
    # the sparse TF-IDF directly.
    text_svd_components: int = 32

    @property
    def columns(self) -> tuple[str, ...]:
        return self.numeric + self.categorical + self.text


@dataclass(frozen=True)
class SplitConfig:
    # Train on earlier weeks, validate on the last `validation_weeks` weeks of labelled calls.
    validation_weeks: int = 2
    # When the labelled data span too few weeks for that, the last fraction of calls by time.
    fallback_validation_fraction: float = 0.25


@dataclass(frozen=True)
class TuneConfig:
    # Hyperparameter name -> list of values (grid). Names are the estimator's parameters.
    space: dict[str, list[Any]] = field(default_factory=dict)
    folds: int = 4  # forward-chaining time-series folds over the training weeks
    metric: str = "roc_auc"
    # Sample this many points of the grid (seeded); null = the whole grid.
    n_iter: int | None = None


@dataclass(frozen=True)
class ChampionConfig:
    metric: str = "roc_auc"  # best registered model by this validation metric ...
    pinned_version: str | None = None  # ... unless a version is pinned


@dataclass(frozen=True)
class MinimumData:
    """Below these, training is refused and the scoring asset falls back to the duration rule."""

    labelled_calls: int = 200
    positives: int = 20
    validation_positives: int = 5


@dataclass(frozen=True)
class ModelConfig:
    name: str
    model_type: str
    features: FeatureSet
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    calibration: str = "isotonic"
    calibration_folds: int = 3
    split: SplitConfig = field(default_factory=SplitConfig)
    tune: TuneConfig = field(default_factory=TuneConfig)
    champion: ChampionConfig = field(default_factory=ChampionConfig)
    minimum_data: MinimumData = field(default_factory=MinimumData)

    def __post_init__(self) -> None:
        if self.model_type not in MODEL_TYPES:
            raise ValueError(f"model_type {self.model_type!r} is not one of {MODEL_TYPES}")
        if self.calibration not in CALIBRATION_METHODS:
            raise ValueError(f"calibration {self.calibration!r} not in {CALIBRATION_METHODS}")
        for metric in (self.champion.metric, self.tune.metric):
            if metric not in CHAMPION_METRICS:
                raise ValueError(f"metric {metric!r} is not one of {sorted(CHAMPION_METRICS)}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, default=list)

    def with_hyperparameters(self, **params: Any) -> ModelConfig:
        from dataclasses import replace

        return replace(self, hyperparameters={**self.hyperparameters, **params})


def config_from_dict(raw: dict[str, Any]) -> ModelConfig:
    raw = dict(raw)
    feats = dict(raw.pop("features", {}) or {})
    for key in ("numeric", "categorical", "text"):
        feats[key] = tuple(feats.get(key) or ())
    known = set(ModelConfig.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"unknown config keys: {sorted(unknown)}")
    return ModelConfig(
        name=raw.pop("name"),
        model_type=raw.pop("model_type"),
        features=FeatureSet(**feats),
        hyperparameters=dict(raw.pop("hyperparameters", {}) or {}),
        split=SplitConfig(**(raw.pop("split", {}) or {})),
        tune=TuneConfig(**(raw.pop("tune", {}) or {})),
        champion=ChampionConfig(**(raw.pop("champion", {}) or {})),
        minimum_data=MinimumData(**(raw.pop("minimum_data", {}) or {})),
        **raw,
    )


def resolve_config_path(path: str | Path | None) -> Path:
    """The config file: as given (relative to the working directory), else the packaged copy of
    the same file name, so `calltrack model train` works from any directory of a fresh clone."""
    candidate = Path(path or DEFAULT_CONFIG_PATH)
    if candidate.exists():
        return candidate
    packaged = PACKAGED_CONFIG_DIR / candidate.name
    if packaged.exists():
        return packaged
    raise FileNotFoundError(f"model config {candidate} not found")


def load_config(path: str | Path | None = None) -> ModelConfig:
    with resolve_config_path(path).open() as fh:
        return config_from_dict(yaml.safe_load(fh))
