"""Sentiment, keyword spotting and outcome rules (pure functions, no model)."""

import json

import pytest

from transcribe.cliplib import load_manifest
from transcribe.intel import (
    OUTCOMES,
    Segment,
    call_sentiment,
    classify_outcome,
    keyword_lists,
    load_keyword_config,
    sentiment_label,
    spot_keywords,
)


@pytest.mark.parametrize(
    ("score", "label"),
    [(0.5, "positive"), (0.05, "positive"), (0.0, "neutral"), (-0.05, "negative"), (None, None)],
)
def test_sentiment_label(score, label) -> None:  # noqa: ANN001
    assert sentiment_label(score) == label


def test_call_sentiment_per_speaker() -> None:
    segs = [
        Segment("caller", 0.0, 2.0, "This is terrible, I am angry and disappointed."),
        Segment("agent", 2.5, 4.0, "I am happy to help, thank you so much."),
    ]
    s = call_sentiment(segs)
    assert s.caller is not None and s.caller < -0.3
    assert s.agent is not None and s.agent > 0.3
    assert len(s.per_segment) == 2
    assert s.label in ("positive", "neutral", "negative")


def test_keyword_lists_account_override_replaces_one_list() -> None:
    config = {
        "defaults": {"price": ["price"], "competitor": []},
        "accounts": {"acct_1": {"competitor": ["rival plumbing"]}},
    }
    assert keyword_lists("acct_1", config) == {"price": ["price"], "competitor": ["rival plumbing"]}
    assert keyword_lists("other", config) == {"price": ["price"], "competitor": []}


def test_default_keyword_file_loads() -> None:
    lists = keyword_lists(None, load_keyword_config())
    assert {"appointment", "price", "cancel", "competitor"} <= set(lists)


def test_spot_keywords_with_timestamps_and_phrases() -> None:
    segs = [
        Segment("caller", 10.0, 14.0, "How much is the price? I may call Rival Plumbing."),
        Segment("agent", 15.0, 16.0, "Our prices are fair."),  # "prices" is not "price"
    ]
    hits = spot_keywords(segs, {"price": ["price", "how much"], "competitor": ["rival plumbing"]})
    assert [(h["keyword"], h["list"]) for h in hits] == [
        ("how much", "price"),
        ("price", "price"),
        ("rival plumbing", "competitor"),
    ]
    assert 10.0 <= hits[0]["start_seconds"] < hits[1]["start_seconds"] < 14.0
    json.dumps(hits)  # stored as JSON


@pytest.mark.parametrize("clip", load_manifest(), ids=lambda c: c.clip_id)
def test_outcome_rules_on_reference_scripts(clip) -> None:  # noqa: ANN001
    # On the exact scripts the rules must be right; recognition errors are measured separately
    # (test_quality.py) on what Whisper actually hears.
    assert classify_outcome(clip.reference_text) == clip.intent


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("Press 1 now to claim your free cruise.", "spam"),
        ("Please leave a message after the beep.", "voicemail"),
        ("Sorry, I dialed the wrong number.", "wrong_number"),
        ("I want a refund, this is unacceptable.", "complaint"),
        ("Great, you're all set for Monday.", "booked"),
        ("How much do you charge for a cleaning?", "price_inquiry"),
        ("Hello? Hello?", "other"),
    ],
)
def test_outcome_rules(text: str, outcome: str) -> None:
    assert classify_outcome(text) == outcome
    assert outcome in OUTCOMES
