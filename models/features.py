"""The feature table the models read, and the guard that keeps labels out of the features.

`ml.ml_call_features` (dbt, one row per ended call) is fixed in docs/architecture.md. Every column
of it is known at call end except the two label columns; identity and time columns are not
features either (a model keyed on the date learns the calendar, not the call).
"""

from __future__ import annotations

import duckdb
import polars as pl

from models.config import FeatureSet

FEATURES_TABLE = "ml.ml_call_features"
TARGET = "label_converted_30d"
LABEL_COLUMNS = ("label_converted_30d", "label_window_complete")
ID_COLUMNS = ("call_id", "account_id")
TIME_COLUMNS = ("started_at", "ended_at", "date_local")

# The columns a config may name, by the kind of encoding they can take.
NUMERIC_COLUMNS = (
    "talk_seconds",
    "ring_seconds",
    "duration_seconds",
    "hour_local",
    "day_of_week_local",
    "is_answered",
    "is_first_time_caller",
    "has_keyword",
    "sentiment_overall",
    "sentiment_caller",
    "sentiment_agent",
    "qualified_call_seconds",
    "is_qualified",
)
CATEGORICAL_COLUMNS = (
    "channel",
    "source",
    "attribution_status",
    "transcript_status",
    "outcome",
    "hour_local",
    "day_of_week_local",
)
TEXT_COLUMNS = ("redacted_text", "spotted_keywords", "outcome")
# Everything read from the call's transcript: what a team without call transcription lacks, and
# what the "logistic, no text" baseline leaves out.
TRANSCRIPT_COLUMNS = (
    "redacted_text",
    "spotted_keywords",
    "outcome",
    "transcript_status",
    "sentiment_overall",
    "sentiment_caller",
    "sentiment_agent",
)
FEATURE_COLUMNS = tuple(dict.fromkeys(NUMERIC_COLUMNS + CATEGORICAL_COLUMNS + TEXT_COLUMNS))
FORBIDDEN_COLUMNS = LABEL_COLUMNS + ID_COLUMNS + TIME_COLUMNS

MISSING_CATEGORY = "(missing)"


class LeakageError(ValueError):
    """A feature set names a label, identity or time column, or a column that is not a feature."""


def validate_feature_set(features: FeatureSet) -> None:
    """Refuse feature sets that could read the label or anything known only after call end."""
    allowed = {"numeric": NUMERIC_COLUMNS, "categorical": CATEGORICAL_COLUMNS, "text": TEXT_COLUMNS}
    for kind, columns in (
        ("numeric", features.numeric),
        ("categorical", features.categorical),
        ("text", features.text),
    ):
        for col in columns:
            if col in FORBIDDEN_COLUMNS:
                raise LeakageError(f"{col!r} is a label, id or time column, never a feature")
            if col not in allowed[kind]:
                raise LeakageError(f"{col!r} is not a known {kind} feature of {FEATURES_TABLE}")
    if not features.columns:
        raise ValueError("the feature set is empty")


def features_table_exists(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'ml' and table_name = 'ml_call_features'"
    ).fetchone()
    return bool(row and row[0])


def load_features(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every row of the feature table, ordered by call end (then call id, for determinism),
    without the incremental build's watermark columns (`_*`: bookkeeping, neither features nor
    labels)."""
    table = con.execute(f"select * from {FEATURES_TABLE} order by ended_at, call_id").arrow()
    frame = utc_naive(pl.from_arrow(table))  # type: ignore[arg-type]
    return frame.drop([name for name in frame.columns if name.startswith("_")])


def utc_naive(frame: pl.DataFrame) -> pl.DataFrame:
    """Instants as naive UTC: DuckDB hands timestamptz over in the session's zone, and splits
    compare instants with plain datetimes."""
    return frame.with_columns(
        pl.col(name).dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None
    )


def model_input(frame: pl.DataFrame, features: FeatureSet) -> pl.DataFrame:
    """Only the configured feature columns, typed for the estimators.

    This is the single place a model's input is cut from the feature table, so no label or
    post-call column can reach an estimator: the frame it returns holds nothing else. Numbers and
    booleans become Float64 (null = NaN, which the estimators impute or split on); categories
    become strings with an explicit missing value; text becomes a string, empty for a call with
    no transcript, and keyword lists are joined with spaces.
    """
    validate_feature_set(features)
    exprs: list[pl.Expr] = []
    for col in features.numeric:
        exprs.append(_as_float(frame, col).alias(f"num__{col}"))
    for col in features.categorical:
        exprs.append(_as_text(frame, col).fill_null(MISSING_CATEGORY).alias(f"cat__{col}"))
    for col in features.text:
        exprs.append(_as_text(frame, col).fill_null("").alias(f"txt__{col}"))
    return frame.select(exprs)


def _column(frame: pl.DataFrame, col: str) -> pl.Expr:
    # A column missing from the table (an older feature build) is all-null, not an error:
    # the estimators treat it as missing everywhere.
    if col in frame.columns:
        return pl.col(col)
    return pl.lit(None)


def _as_float(frame: pl.DataFrame, col: str) -> pl.Expr:
    return _column(frame, col).cast(pl.Float64, strict=False).fill_nan(None).fill_null(float("nan"))


def _as_text(frame: pl.DataFrame, col: str) -> pl.Expr:
    if col in frame.columns and isinstance(frame.schema[col], pl.List):
        return pl.col(col).cast(pl.List(pl.String)).list.join(" ")
    return _column(frame, col).cast(pl.String)


def labelled(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows whose 30-day label window has passed: the only rows trained or evaluated on."""
    return utc_naive(
        frame.filter(pl.col("label_window_complete").fill_null(False)).filter(
            pl.col(TARGET).is_not_null()
        )
    )


def target(frame: pl.DataFrame) -> list[int]:
    return frame.get_column(TARGET).cast(pl.Int8).to_list()
