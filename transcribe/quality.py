"""Measuring transcription quality on the clip library: WER normalisation and leak checks.

The references are written as spoken ("four one one one"), Whisper writes numerals ("4111") or
words as it sees fit; both sides are normalised the same way before jiwer compares them:
lower case, punctuation dropped, every digit (numeral or digit word) one token, contractions
expanded. Redacted hypotheses are scored against the reference with its PII redacted the same
way, so redaction itself is not counted as recognition error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from transcribe.redact import DIGIT_WORDS, digit_stream

# Digit words normalised to digits on both sides, so "four one" vs "41" is no WER error.
_DIGITS = {w: d for w, d in DIGIT_WORDS.items() if w != "o"}  # a lone "o" is often a word
_CONTRACTIONS = {
    "i'm": "i am",
    "it's": "it is",
    "you're": "you are",
    "we're": "we are",
    "that's": "that is",
    "don't": "do not",
    "can't": "can not",
    "cannot": "can not",
    "i'll": "i will",
    "we'll": "we will",
    "what's": "what is",
    "there's": "there is",
    "car's": "car is",
}


def normalize(text: str) -> str:
    text = text.lower().replace("[", " ").replace("]", " ")
    for k, v in _CONTRACTIONS.items():
        text = re.sub(rf"\b{re.escape(k)}\b", v, text)
    text = re.sub(r"(?<=\d)[,.](?=\d)", "", text)  # 4,111 / 12.27 -> one numeral
    text = re.sub(r"[^a-z0-9_ ]+", " ", text)
    out = []
    for w in text.split():
        if w.isdigit():
            out.extend(w)  # each digit a token
        else:
            out.append(_DIGITS.get(w, w))
    return " ".join(out)


def wer(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Corpus word error rate (errors over all reference words) after `normalize`."""
    import jiwer

    refs = [normalize(r) for r in references]
    hyps = [normalize(h) for h in hypotheses]
    return float(jiwer.wer(refs, hyps))


def card_fragments_left(text: str, card_number: str, min_len: int = 6) -> list[str]:
    """Substrings of `card_number` of at least `min_len` digits still said in `text`."""
    stream = digit_stream(text)
    found = []
    for i in range(len(card_number) - min_len + 1):
        frag = card_number[i : i + min_len]
        if frag in stream:
            found.append(frag)
    return found
