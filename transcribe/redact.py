"""PII redaction of transcripts, applied before any text is stored, logged or returned.

What is found, and replaced by a typed placeholder:

- `[CARD_NUMBER]`: a run of 13-19 digits that passes Luhn; or, with a card word ("card", "visa",
  ...) in the 12 words before it, any run of 12+ digits (the recognizer drops or doubles a digit,
  which breaks Luhn: for card data recall beats precision); or any group of 4+ digits within 30
  words after a card word (a card the recognizer broke into pieces), unless an expiry or CVV
  word precedes it.
- `[CVV]` / `[EXPIRY]`: within 25 words after a card, the number said after "security code",
  "cvv", "code on the back" (CVV) or "expiry", "expires", "expiration" (EXPIRY); any other
  3-4 digit number there is taken as one of them (EXPIRY when it reads as month + year).
- `[SSN]`: 9 digits grouped 3-2-4, or 9 digits after "social security" / "ssn".
- `[EMAIL]`: `name@domain.tld`, and spoken "name (dot name) at domain dot com".
- `[PHONE]`: `+` and 10-15 digits; any other run of 7+ digits that is not a card or an SSN.

Digits count whether the recognizer wrote them as numerals ("4111 1111"), as words ("four one
one one") or mixed, with spaces, commas, dots or hyphens between groups ("oh" counts as zero
inside a run). Redaction works on a speaker's whole stream of segments, so a card number split
across segments is still one run; the placeholder lands in the segment where the run starts and
the rest of the run is removed from the following segments.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

CARD, CVV, EXPIRY, SSN, EMAIL, PHONE = (
    "[CARD_NUMBER]",
    "[CVV]",
    "[EXPIRY]",
    "[SSN]",
    "[EMAIL]",
    "[PHONE]",
)

DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
# Tens and teens only matter for expiry dates and CVVs said as numbers ("twelve twenty seven").
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen")
_TEENS += ("seventeen", "eighteen", "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_NUMBER_WORDS = {
    **{w: str(i) for i, w in enumerate(_TEENS, start=10)},
    **{w: str(i * 10) for i, w in enumerate(_TENS, start=2)},
    "hundred": "00",
}
_CARD_CONTEXT = {
    "card",
    "visa",
    "mastercard",
    "amex",
    "discover",
    "credit",
    "debit",
    "account",
}
_CVV_CONTEXT = {"cvv", "cvc", "security", "code", "back", "digits", "pin"}
_EXPIRY_CONTEXT = {"expiry", "expires", "expiration", "expire", "exp", "valid", "until", "date"}
_SSN_CONTEXT = {"social", "ssn"}

# A token: a word (letters/apostrophes), a numeral (digits with inner separators kept apart
# below), or any other single character. Offsets are kept so replacements are exact.
_TOKEN = re.compile(r"[A-Za-z']+|\d+|\S")
_SEPARATOR = re.compile(r"^[\s,.\-/:;]*$")
_EMAIL_AT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_TLD = r"(?:com|net|org|edu|gov|io|co|us|uk|info|biz)"
_NAME = r"[a-z0-9]+(?:\s+(?:dot|underscore)\s+[a-z0-9]+)*"
_EMAIL_SPOKEN = re.compile(
    rf"\b{_NAME}\s+at\s+[a-z0-9]+(?:\s+dot\s+[a-z0-9]+)*\s+dot\s+{_TLD}\b", re.IGNORECASE
)
_E164 = re.compile(r"\+\s?\d[\d\s\-]{8,17}\d")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    placeholder: str


@dataclass(frozen=True)
class _Tok:
    start: int
    end: int
    text: str
    digits: str | None  # digits it stands for, or None
    number: str | None  # value as a number word/numeral (for expiry/CVV), or None


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _tokens(text: str) -> list[_Tok]:
    out = []
    for m in _TOKEN.finditer(text):
        t = m.group(0)
        low = t.lower()
        if t.isdigit():
            out.append(_Tok(m.start(), m.end(), t, t, t))
        elif low in DIGIT_WORDS:
            out.append(_Tok(m.start(), m.end(), t, DIGIT_WORDS[low], DIGIT_WORDS[low]))
        elif low in _NUMBER_WORDS:
            out.append(_Tok(m.start(), m.end(), t, None, _NUMBER_WORDS[low]))
        else:
            out.append(_Tok(m.start(), m.end(), t, None, None))
    return out


@dataclass
class _Run:
    first: int  # token indexes, inclusive
    last: int
    digits: str


def _digit_runs(text: str, toks: list[_Tok]) -> list[_Run]:
    """Maximal runs of digit tokens joined only by separators (spaces, , . - /)."""
    runs: list[_Run] = []
    i = 0
    while i < len(toks):
        if toks[i].digits is None:
            i += 1
            continue
        j, digits = i, toks[i].digits or ""
        k = i + 1
        while k < len(toks):
            if toks[k].digits is not None and _SEPARATOR.match(
                text[toks[k - 1].end : toks[k].start]
            ):
                digits += toks[k].digits or ""
                j = k
                k += 1
            elif toks[k].text in ",.-/" and k + 1 < len(toks) and toks[k + 1].digits is not None:
                k += 1  # a separator token between digits
            else:
                break
        # "oh"/"o" alone or at the edges of a run is the interjection, not zero.
        while i <= j and toks[i].text.lower() in ("oh", "o"):
            digits = digits[1:]
            i += 1
        while j >= i and toks[j].text.lower() in ("oh", "o"):
            digits = digits[:-1]
            j -= 1
        if i <= j and digits:
            runs.append(_Run(i, j, digits))
        i = max(k, i + 1)
    return runs


def _words_before(toks: list[_Tok], index: int, n: int) -> set[str]:
    return {t.text.lower() for t in toks[max(0, index - n) : index]}


def find_pii(text: str) -> list[Span]:
    """Spans of `text` to replace, non-overlapping, in order."""
    spans: list[Span] = []
    for m in _EMAIL_AT.finditer(text):
        spans.append(Span(m.start(), m.end(), EMAIL))
    for m in _EMAIL_SPOKEN.finditer(text):
        spans.append(Span(m.start(), m.end(), EMAIL))
    toks = _tokens(text)
    runs = _digit_runs(text, toks)
    card_words = _card_word_positions(toks)
    card_ends: list[int] = []  # token index after which CVV/expiry may follow
    for run in runs:
        n = len(run.digits)
        start, end = toks[run.first].start, toks[run.last].end
        context = _words_before(toks, run.first, 12)
        near = _words_before(toks, run.first, 5)
        after_card_word = any(0 < run.first - p <= 30 for p in card_words)
        if (13 <= n <= 19 and luhn_valid(run.digits)) or (n >= 12 and context & _CARD_CONTEXT):
            kind = CARD
        elif (
            n >= 4
            and after_card_word
            and not near & (_EXPIRY_CONTEXT | _CVV_CONTEXT)
            and not (n == 4 and 1 <= int(run.digits[:2]) <= 12)  # MMYY: left to the expiry rule
        ):
            # Pieces of a card the recognizer broke up ("222-3 ... 3122 ... 3222"): any group
            # of 4+ digits soon after "card" is treated as card digits.
            kind = CARD
        elif n >= 13 and any(luhn_valid(run.digits[a:b]) for a, b in _windows(n)):
            kind = CARD  # card followed by CVV/expiry said in one breath
        elif n == 9 and (context & _SSN_CONTEXT or _ssn_shape(text[start:end])):
            kind = SSN
        elif n >= 7:
            kind = PHONE
        else:
            continue
        spans.append(Span(start, end, kind))
        if kind == CARD:
            card_ends.append(run.last)
    for m in _E164.finditer(text):
        spans.append(Span(m.start(), m.end(), PHONE))
    spans.extend(_after_card(text, toks, card_ends))
    return _merge(spans)


def _card_word_positions(toks: list[_Tok]) -> list[int]:
    """Token indexes of card words; "car number" counts (phone audio loses the final d)."""
    out = []
    for i, t in enumerate(toks):
        low = t.text.lower()
        nxt = toks[i + 1].text.lower() if i + 1 < len(toks) else ""
        if low in _CARD_CONTEXT - {"account"} or (low in ("car", "cards") and nxt == "number"):
            out.append(i)
    return out


def _windows(n: int) -> list[tuple[int, int]]:
    return [(a, a + w) for w in range(19, 12, -1) for a in range(0, n - w + 1)]


def _ssn_shape(s: str) -> bool:
    return re.fullmatch(r"\d{3}[\s-]\d{2}[\s-]\d{4}", s.strip()) is not None


def _after_card(text: str, toks: list[_Tok], card_ends: list[int]) -> list[Span]:
    """CVV and expiry: numbers said within 25 words after a card number."""
    spans = []
    for end_index in card_ends:
        k = end_index + 1
        limit = min(len(toks), end_index + 26)
        while k < limit:
            if toks[k].number is None:
                k += 1
                continue
            first = k
            while k + 1 < limit:
                if toks[k + 1].number is not None:
                    k += 1
                elif (
                    toks[k + 1].text in ".-/"
                    and k + 2 < limit
                    and toks[k + 2].number is not None
                    and toks[k + 1].start == toks[k].end  # "12.27", "04/28": no spaces
                ):
                    k += 2
                else:
                    break
            words = _words_before(toks, first, 5)
            value = _spoken_value(toks[first : k + 1])
            if words & _EXPIRY_CONTEXT:
                kind = EXPIRY
            elif words & _CVV_CONTEXT:
                kind = CVV
            elif len(value) in (3, 4) and value.isdigit():
                kind = EXPIRY if _looks_like_expiry(toks[first : k + 1]) else CVV
            else:
                kind = None
            if kind:
                spans.append(Span(toks[first].start, toks[k].end, kind))
            k += 1
    return spans


def _spoken_value(toks: Sequence[_Tok]) -> str:
    """Numbers as said: "twelve twenty seven" -> "1227", "oh four twenty eight" -> "0428"."""
    out, i = [], 0
    while i < len(toks):
        v = toks[i].number or ""
        nxt = toks[i + 1].number if i + 1 < len(toks) else None
        if len(v) == 2 and v.endswith("0") and nxt is not None and len(nxt) == 1 and nxt != "0":
            out.append(v[0] + nxt)  # tens + unit
            i += 2
            continue
        out.append(v)
        i += 1
    return "".join(out)


def _looks_like_expiry(toks: Sequence[_Tok]) -> bool:
    value = _spoken_value(toks)
    return len(value) == 4 and 1 <= int(value[:2]) <= 12


def _merge(spans: list[Span]) -> list[Span]:
    """Overlapping spans become one, keeping the first-found (highest-priority) placeholder of
    the longest span."""
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if out and s.start < out[-1].end:
            last = out[-1]
            if s.end > last.end:
                out[-1] = Span(last.start, s.end, last.placeholder)
            continue
        out.append(s)
    return out


def apply_spans(text: str, spans: Sequence[Span]) -> str:
    out, pos = [], 0
    for s in spans:
        out.append(text[pos : s.start])
        out.append(s.placeholder)
        pos = s.end
    out.append(text[pos:])
    return "".join(out)


def redact_text(text: str) -> tuple[str, int]:
    """(redacted text, number of redactions)."""
    spans = find_pii(text)
    return apply_spans(text, spans), len(spans)


def redact_stream(texts: Sequence[str]) -> tuple[list[str], int]:
    """Redact consecutive segments of one speaker as one text, so PII split across segments is
    found; returns the redacted segments (same count, same order) and the redaction count."""
    joined, bounds, pos = [], [], 0
    for t in texts:
        joined.append(t)
        bounds.append((pos, pos + len(t)))
        pos += len(t) + 1  # the " " joining segments
    whole = " ".join(joined)
    spans = find_pii(whole)
    out = []
    for seg_start, seg_end in bounds:
        pieces, pos = [], seg_start
        for s in spans:
            if s.end <= seg_start or s.start >= seg_end:
                continue
            pieces.append(whole[pos : max(s.start, seg_start)])
            if s.start >= seg_start:
                pieces.append(s.placeholder)  # the placeholder goes where the PII starts
            pos = min(s.end, seg_end)
        pieces.append(whole[pos:seg_end])
        seg = re.sub(r"\s{2,}", " ", "".join(pieces)).strip()
        out.append(re.sub(r"^[,.;:]\s*", "", seg))  # punctuation left by a span from before
    return out, len(spans)


def digit_stream(text: str) -> str:
    """All digits said in `text` (numerals and digit words, "oh" included), concatenated: what
    the leak checks search for card-number fragments."""
    return "".join(t.digits or "" for t in _tokens(text))


def longest_digit_run(text: str) -> int:
    toks = _tokens(text)
    return max((len(r.digits) for r in _digit_runs(text, toks)), default=0)
