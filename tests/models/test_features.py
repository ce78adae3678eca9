"""The leakage guard of our own code: a model's input never holds a label, an identity, a time
column or anything known only after call end (the dbt features have their own test on the
real pipeline output)."""

import polars as pl
import pytest

from models.config import FeatureSet
from models.features import (
    FEATURE_COLUMNS,
    FORBIDDEN_COLUMNS,
    LABEL_COLUMNS,
    LeakageError,
    labelled,
    model_input,
    validate_feature_set,
)


@pytest.mark.parametrize(
    "features",
    [
        FeatureSet(numeric=("label_converted_30d",)),  # the target itself
        FeatureSet(categorical=("label_window_complete",)),  # known only 30 days later
        FeatureSet(numeric=("is_converted",)),  # a post-call trap column of the fixture
        FeatureSet(numeric=("conversion_count",)),  # ditto
        FeatureSet(text=("call_id",)),  # identity: memorizes calls
        FeatureSet(categorical=("date_local",)),  # time: learns the calendar
        FeatureSet(numeric=("redacted_text",)),  # a known column of the wrong kind
    ],
)
def test_leaky_or_unknown_feature_sets_are_refused(features: FeatureSet) -> None:
    with pytest.raises(LeakageError):
        validate_feature_set(features)


def test_no_forbidden_column_is_a_feature() -> None:
    assert not set(FEATURE_COLUMNS) & set(FORBIDDEN_COLUMNS)


def test_model_input_holds_only_the_configured_columns(features: pl.DataFrame) -> None:
    fs = FeatureSet(
        numeric=("talk_seconds", "is_answered"),
        categorical=("channel", "outcome"),
        text=("redacted_text", "spotted_keywords"),
    )
    x = model_input(features, fs)
    assert x.columns == [
        "num__talk_seconds",
        "num__is_answered",
        "cat__channel",
        "cat__outcome",
        "txt__redacted_text",
        "txt__spotted_keywords",
    ]
    # values of the label columns appear nowhere in the input frame's schema or names
    assert not any(label in c for c in x.columns for label in LABEL_COLUMNS)


def test_calls_without_transcript_get_empty_text_and_missing_values(
    features: pl.DataFrame,
) -> None:
    fs = FeatureSet(numeric=("sentiment_caller",), categorical=("outcome",), text=FEATURE_TEXT)
    no_transcript = features.filter(pl.col("redacted_text").is_null())
    assert len(no_transcript) > 0
    x = model_input(no_transcript, fs)
    assert set(x["txt__redacted_text"].to_list()) == {""}
    assert set(x["txt__spotted_keywords"].to_list()) == {""}
    assert set(x["cat__outcome"].to_list()) == {"(missing)"}
    assert x["num__sentiment_caller"].is_nan().all()


FEATURE_TEXT = ("redacted_text", "spotted_keywords")


def test_keyword_lists_become_words() -> None:
    frame = pl.DataFrame(
        {"spotted_keywords": [["price", "quote"], [], None]},
        schema={"spotted_keywords": pl.List(pl.String)},
    )
    x = model_input(frame, FeatureSet(text=("spotted_keywords",)))
    assert x["txt__spotted_keywords"].to_list() == ["price quote", "", ""]


def test_only_complete_label_windows_are_labelled(features: pl.DataFrame) -> None:
    rows = labelled(features)
    assert 0 < len(rows) < len(features)
    assert rows["label_window_complete"].all()
