"""scikit-learn estimators built from a config.

Every estimator takes the frame of `features.model_input` (columns prefixed `num__`, `cat__`,
`txt__`) and predicts the probability of conversion. Probabilities are calibrated (isotonic or
sigmoid, cross-fitted) because the score is read as a likelihood (0-100) and judged by Brier.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import TruncatedSVD
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from models.config import FeatureSet, ModelConfig

# Default qualified-call threshold when a row carries none (the account default of design.md).
DEFAULT_QUALIFIED_SECONDS = 90.0


def _signed_log1p(x: np.ndarray) -> np.ndarray:
    # Seconds are heavy-tailed; a log keeps one 40-minute call from dominating a linear model.
    return np.sign(x) * np.log1p(np.abs(x))


def _preprocessor(features: FeatureSet, *, dense: bool, seed: int) -> ColumnTransformer:
    parts: list[tuple[str, Any, Any]] = []
    if features.numeric:
        cols = [f"num__{c}" for c in features.numeric]
        if dense:
            # Trees split on NaN themselves and are indifferent to monotone transforms.
            parts.append(("num", "passthrough", cols))
        else:
            parts.append(
                (
                    "num",
                    make_pipeline(
                        SimpleImputer(
                            strategy="median", add_indicator=True, keep_empty_features=True
                        ),
                        FunctionTransformer(_signed_log1p),
                        StandardScaler(),
                    ),
                    cols,
                )
            )
    if features.categorical:
        parts.append(
            (
                "cat",
                OneHotEncoder(
                    handle_unknown="infrequent_if_exist",
                    min_frequency=10,  # rare sources share one column instead of overfitting
                    sparse_output=not dense,
                ),
                [f"cat__{c}" for c in features.categorical],
            )
        )
    for col in features.text:
        tfidf = _SafeTfidf(
            max_features=features.text_max_features,
            ngram_range=(1, 2),
            min_df=3,
            sublinear_tf=True,
            dtype=np.float64,
        )
        if dense:
            n = features.text_svd_components
            parts.append((f"txt_{col}", make_pipeline(tfidf, _SafeSVD(n, seed)), f"txt__{col}"))
        else:
            parts.append((f"txt_{col}", tfidf, f"txt__{col}"))
    return ColumnTransformer(parts, sparse_threshold=0.0 if dense else 1.0)


class _SafeTfidf(TfidfVectorizer):
    """TF-IDF that yields zero columns instead of failing when the training calls have no
    usable words: a warehouse where nothing is transcribed yet (every text empty) must still
    train on its other features. The stand-in is one all-zero column, because a sparse
    ColumnTransformer refuses a block with none."""

    def fit(self, raw_documents: Any, y: Any = None) -> _SafeTfidf:
        self.fit_transform(raw_documents, y)
        return self

    def fit_transform(self, raw_documents: Any, y: Any = None) -> Any:
        try:
            out = super().fit_transform(raw_documents, y)
        except ValueError as exc:  # "empty vocabulary" / "no terms remain"
            if "vocabulary" not in str(exc) and "no terms remain" not in str(exc):
                raise
            self.empty_ = True
            return sparse.csr_matrix((len(raw_documents), 1))
        self.empty_ = False
        return out

    def transform(self, raw_documents: Any) -> Any:
        if self.empty_:
            return sparse.csr_matrix((len(raw_documents), 1))
        return super().transform(raw_documents)


class _DropAllMissing(BaseEstimator):
    """Drops columns that are missing in every training row (sentiment when nothing is
    transcribed yet): HistGradientBoosting cannot bin a column without a single value."""

    def fit(self, x: Any, y: Any = None) -> _DropAllMissing:
        self.keep_ = ~np.all(np.isnan(np.asarray(x, dtype=float)), axis=0)
        return self

    def transform(self, x: Any) -> np.ndarray:
        return np.asarray(x, dtype=float)[:, self.keep_]

    def fit_transform(self, x: Any, y: Any = None) -> np.ndarray:
        return self.fit(x, y).transform(x)


class _SafeSVD(BaseEstimator):
    """TruncatedSVD that shrinks to the vocabulary it actually got (a tiny training set or calls
    without transcripts can leave fewer terms than components)."""

    def __init__(self, n_components: int = 32, random_state: int = 0) -> None:
        self.n_components = n_components
        self.random_state = random_state

    def fit(self, x: Any, y: Any = None) -> _SafeSVD:
        n = min(self.n_components, max(x.shape[1] - 1, 0))
        self.svd_ = TruncatedSVD(n, random_state=self.random_state).fit(x) if n >= 1 else None
        return self

    def transform(self, x: Any) -> np.ndarray:
        if self.svd_ is None:
            return np.zeros((x.shape[0], 0))
        return self.svd_.transform(x)

    def fit_transform(self, x: Any, y: Any = None) -> np.ndarray:
        return self.fit(x, y).transform(x)


class DurationRule(ClassifierMixin, BaseEstimator):
    """The qualified-call rule as a probability: P(convert | qualified) and P(convert | not),
    estimated on the training rows with a Beta prior so an empty cell never gives 0 or 1.

    Reads `num__is_qualified`, else `num__talk_seconds >= num__qualified_call_seconds` (90 s
    when unknown). With no training rows at all it returns the prior rates.
    """

    def __init__(
        self, prior_qualified: float = 0.25, prior_other: float = 0.03, prior_n: float = 20
    ):
        self.prior_qualified = prior_qualified
        self.prior_other = prior_other
        self.prior_n = prior_n

    @staticmethod
    def qualified(x: Any) -> np.ndarray:
        cols = set(x.columns)
        q = np.full(len(x), np.nan)
        if "num__is_qualified" in cols:
            q = np.asarray(x["num__is_qualified"], dtype=float)
        if "num__talk_seconds" in cols:
            talk = np.asarray(x["num__talk_seconds"], dtype=float)
            thr = (
                np.asarray(x["num__qualified_call_seconds"], dtype=float)
                if "num__qualified_call_seconds" in cols
                else np.full(len(x), np.nan)
            )
            thr = np.where(np.isnan(thr), DEFAULT_QUALIFIED_SECONDS, thr)
            q = np.where(np.isnan(q), (np.nan_to_num(talk) >= thr).astype(float), q)
        return np.nan_to_num(q) > 0.5

    def fit(self, x: Any, y: Any) -> DurationRule:
        y = np.asarray(y, dtype=float)
        q = self.qualified(x)
        self.classes_ = np.array([0, 1])
        rates = []
        for mask, prior in ((~q, self.prior_other), (q, self.prior_qualified)):
            pos, n = float(y[mask].sum()), float(mask.sum())
            rates.append((pos + prior * self.prior_n) / (n + self.prior_n))
        self.rate_other_, self.rate_qualified_ = rates
        return self

    def predict_proba(self, x: Any) -> np.ndarray:
        p = np.where(self.qualified(x), self.rate_qualified_, self.rate_other_)
        return np.column_stack([1 - p, p])

    def predict(self, x: Any) -> np.ndarray:
        return (self.predict_proba(x)[:, 1] >= 0.5).astype(int)


def build_estimator(config: ModelConfig, *, calibrate: bool = True) -> BaseEstimator:
    """A fresh, unfitted estimator for `config` (same config and data -> same fitted model)."""
    hp = dict(config.hyperparameters)
    if config.model_type == "duration_rule":
        return DurationRule(**hp)
    if config.model_type == "hist_gradient_boosting":
        hp.setdefault("early_stopping", False)  # early stopping would carve a random split
        model: BaseEstimator = Pipeline(
            [
                ("features", _preprocessor(config.features, dense=True, seed=config.seed)),
                ("drop_all_missing", _DropAllMissing()),
                ("model", HistGradientBoostingClassifier(random_state=config.seed, **hp)),
            ]
        )
    elif config.model_type == "logistic":
        hp.setdefault("max_iter", 2000)
        model = Pipeline(
            [
                ("features", _preprocessor(config.features, dense=False, seed=config.seed)),
                ("model", LogisticRegression(random_state=config.seed, **hp)),
            ]
        )
    else:  # config validation makes this unreachable
        raise ValueError(config.model_type)
    if not calibrate or config.calibration == "none":
        return model
    # Unshuffled stratified folds: deterministic without a random state.
    folds = StratifiedKFold(n_splits=config.calibration_folds)
    return CalibratedClassifierCV(model, method=config.calibration, cv=folds)
