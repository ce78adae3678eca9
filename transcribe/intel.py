"""Call intelligence on redacted text: sentiment, keyword spotting and the outcome label.

Everything here reads redacted segments only, so nothing it emits can carry PII.

Sentiment is VADER's compound score (-1..1), labelled positive (>= 0.05), negative (<= -0.05)
or neutral, VADER's own cut-offs. VADER is a lexicon model: cheap (microseconds per segment),
offline, and good enough on short conversational turns; it misses sarcasm and domain words.

The outcome is decided by ordered rules over the whole call (first match wins): a robocall or a
voicemail greeting is recognised by its phrasing before anything a person says is weighed; then
wrong number, complaint, booked, price inquiry; else `other`. Rules were measured against the clip
library's intents (tests/transcribe report the accuracy).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

KEYWORDS_PATH = Path(__file__).resolve().parent / "keywords.yaml"
OUTCOMES = ("booked", "price_inquiry", "complaint", "wrong_number", "spam", "voicemail", "other")


@dataclass(frozen=True)
class Segment:
    """One recognised segment after redaction (what `transcripts.segments` stores)."""

    speaker: str  # caller | agent | unknown
    start_seconds: float
    end_seconds: float
    text: str
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0


# ------------------------------------------------------------------------------- sentiment


@lru_cache(maxsize=1)
def _analyzer():  # -> SentimentIntensityAnalyzer; loading the lexicon takes ~50 ms
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def sentiment(text: str) -> float | None:
    """VADER compound score of `text`, None for empty text."""
    if not text.strip():
        return None
    return round(float(_analyzer().polarity_scores(text)["compound"]), 4)


def sentiment_label(score: float | None) -> str | None:
    if score is None:
        return None
    if score >= 0.05:
        return "positive"
    if score <= -0.05:
        return "negative"
    return "neutral"


@dataclass(frozen=True)
class CallSentiment:
    per_segment: tuple[float | None, ...]
    overall: float | None
    caller: float | None
    agent: float | None
    label: str | None


def _mean_by_length(segments: Sequence[Segment], scores: Sequence[float | None]) -> float | None:
    """Mean of segment scores weighted by word count: one long angry turn outweighs "okay"."""
    num = den = 0.0
    for seg, sc in zip(segments, scores, strict=True):
        if sc is None:
            continue
        w = max(1, len(seg.text.split()))
        num += sc * w
        den += w
    return round(num / den, 4) if den else None


def call_sentiment(segments: Sequence[Segment]) -> CallSentiment:
    scores = tuple(sentiment(s.text) for s in segments)

    def of(speaker: str) -> float | None:
        idx = [i for i, s in enumerate(segments) if s.speaker == speaker]
        return _mean_by_length([segments[i] for i in idx], [scores[i] for i in idx])

    overall = _mean_by_length(segments, scores)
    return CallSentiment(scores, overall, of("caller"), of("agent"), sentiment_label(overall))


# -------------------------------------------------------------------------------- keywords


def load_keyword_config(path: Path = KEYWORDS_PATH) -> dict:
    data = yaml.safe_load(Path(path).read_text()) or {}
    if not isinstance(data.get("defaults", {}), dict):
        raise ValueError(f"{path}: 'defaults' must map list names to word lists")
    return {"defaults": data.get("defaults") or {}, "accounts": data.get("accounts") or {}}


def keyword_lists(account_id: str | None, config: Mapping | None = None) -> dict[str, list[str]]:
    """The lists for `account_id`: the defaults, with the account's own lists replacing them."""
    config = config if config is not None else load_keyword_config()
    lists = {k: list(v or []) for k, v in config["defaults"].items()}
    if account_id is not None:
        for name, words in (config["accounts"].get(account_id) or {}).items():
            lists[name] = list(words or [])
    return lists


def spot_keywords(segments: Sequence[Segment], lists: Mapping[str, Sequence[str]]) -> list[dict]:
    """Every occurrence: {"keyword", "list", "speaker", "start_seconds"}, in time order.

    The time is interpolated within the segment by character position (segment timestamps only:
    word timestamps would cost a second alignment pass per call).
    """
    hits = []
    for name, words in lists.items():
        for word in words:
            pattern = re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
            for seg in segments:
                for m in pattern.finditer(seg.text):
                    frac = m.start() / max(1, len(seg.text))
                    t = seg.start_seconds + frac * (seg.end_seconds - seg.start_seconds)
                    hits.append(
                        {
                            "keyword": word.lower(),
                            "list": name,
                            "speaker": seg.speaker,
                            "start_seconds": round(t, 2),
                        }
                    )
    return sorted(hits, key=lambda h: (h["start_seconds"], h["list"], h["keyword"]))


def keywords_json(hits: Sequence[dict]) -> str:
    return json.dumps(list(hits), separators=(",", ":"))


# --------------------------------------------------------------------------------- outcome

# Ordered (outcome, patterns). Patterns are written for what Whisper returns on phone audio,
# numerals included ("press 1").
_NUM = r"(?:\d|one|two|three|four|five|six|seven|eight|nine|zero|pound|star)"
OUTCOME_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "spam",
        (
            rf"\bpress {_NUM}\b",
            r"extended warranty",
            r"you have been selected",
            r"\bfinal notice\b",
            r"\bfree (?:cruise|vacation|gift)\b",
            r"\bclaim your (?:prize|reward)\b",
            r"\bremoved from (?:our|the) list\b",
            r"\bverify your (?:listing|account)\b",
        ),
    ),
    (
        "voicemail",
        (
            r"\bleave (?:a|your) (?:message|name)\b",
            r"\bafter the (?:tone|beep)\b",
            r"\bnot available\b",
            r"\bmissed your call\b",
            r"\bwe are closed\b",
        ),
    ),
    (
        "wrong_number",
        (
            r"\bwrong (?:number|person)\b",
            r"\bdial(?:l)?ed the wrong\b",
            r"\bis this not\b",
            r"\bno one (?:here )?by that name\b",
            r"\bthere is no \w+ here\b",
        ),
    ),
    (
        "complaint",
        (
            r"\bcomplain(?:t)?\b",
            r"\bunhappy\b",
            r"\bterrible\b",
            r"\bunacceptable\b",
            r"\bdisappointed\b",
            r"\bangry\b",
            r"\brefund\b",
            r"\bcharged twice\b",
            r"\bworse\b",
            r"\bdamaged\b",
            r"\bescalate\b",
        ),
    ),
    (
        "booked",
        (
            r"\b(?:you are|you're|you\'re) (?:all set|booked)\b",
            r"\bis (?:booked|confirmed)\b",
            r"\b(?:appointment|consultation|visit) is confirmed\b",
            r"\bbook (?:me|it)\b",
            r"\bsee you on\b",
        ),
    ),
    (
        "price_inquiry",
        (
            r"\bhow much\b",
            r"\bprice\b",
            r"\bcost\b",
            r"\bquote\b",
            r"\brates?\b",
            r"\bfee\b",
            r"\bcharge\b",
        ),
    ),
)
_COMPILED = tuple((o, tuple(re.compile(p, re.IGNORECASE) for p in ps)) for o, ps in OUTCOME_RULES)


def classify_outcome(text: str) -> str:
    """Outcome label of a call from its redacted text; `other` when no rule matches."""
    for outcome, patterns in _COMPILED:
        if any(p.search(text) for p in patterns):
            return outcome
    return "other"
