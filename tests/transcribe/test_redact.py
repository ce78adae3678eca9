"""Redaction rules, case by case (pure functions, no model)."""

import pytest

from transcribe.redact import (
    find_pii,
    longest_digit_run,
    luhn_valid,
    redact_stream,
    redact_text,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Card as digit words, grouped with commas, as the clips say it.
        (
            "It is four one one one, one one one one, one one one one, one one one one.",
            "It is [CARD_NUMBER].",
        ),
        # Card as numerals in groups, then expiry and CVV after their words.
        (
            "The number is 5555 5555 5555 4444. The expiry is oh four twenty eight "
            "and the security code is one two three.",
            "The number is [CARD_NUMBER]. The expiry is [EXPIRY] and the security code is [CVV].",
        ),
        # Numerals run together, expiry with a slash, Whisper style.
        ("Sure, 4242424242424242, expiry 12/27.", "Sure, [CARD_NUMBER], expiry [EXPIRY]."),
        # Mixed words and numerals.
        ("card six oh one one 1111 1111 1117 thanks", "card [CARD_NUMBER] thanks"),
        # ASR dropped a digit (15 digits, Luhn fails) but a card word precedes: still a card.
        ("My card is 510510514242601.", "My card is [CARD_NUMBER]."),
        # Misheard "expiry" ("battery") right after a card: a month/year number is an expiry.
        (
            "My card is 4111111111111111. The battery is 12.27.",
            "My card is [CARD_NUMBER]. The battery is [EXPIRY].",
        ),
        # CVV after "code on the back".
        (
            "My card is 5105 1051 0510 5100, the code on the back is 456.",
            "My card is [CARD_NUMBER], the code on the back is [CVV].",
        ),
        # Whisper broke the card up and heard "card" as "car": the pieces still go.
        (
            "My car number is 222-3. Nero-Nero-3122-Nero-Nero-3222. The code is 123.",
            "My car number is [CARD_NUMBER]. Nero-Nero-[CARD_NUMBER]-Nero-Nero-[CARD_NUMBER]. "
            "The code is [CVV].",
        ),
        # SSN by shape, and by context said as words.
        ("my social is 123-45-6789", "my social is [SSN]"),
        ("social security one two three four five six seven eight nine", "social security [SSN]"),
        # E-mail written and spoken.
        ("write to john.smith@example.com please", "write to [EMAIL] please"),
        ("my email is anna at gmail dot com", "my email is [EMAIL]"),
        ("it's john dot smith at example dot co dot uk", "it's [EMAIL]"),
        # Phone numbers: spoken digits, E.164, seven-digit local number.
        ("Call me at five five five, two one two, three four five six.", "Call me at [PHONE]."),
        ("reach me on +1 555 867 5309", "reach me on [PHONE]"),
        ("it's 867-5309", "it's [PHONE]"),
    ],
)
def test_redacts(text: str, expected: str) -> None:
    assert redact_text(text)[0] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Whitening is 250 dollars per session.",  # a price
        "Tuesday at ten in the morning, see you at 10:30.",  # times
        "Oh, my mistake, sorry about that.",  # "oh" is not zero on its own
        "We have been open since 1998, three weeks ago.",  # a year
        "Press 1 to speak to a specialist.",  # a menu digit
        "I will look at it.",  # "at" without "dot com" is not an e-mail
    ],
)
def test_leaves_ordinary_text_alone(text: str) -> None:
    assert redact_text(text) == (text, 0)


def test_card_split_across_segments_is_one_card() -> None:
    segments = ["The card number is 6011 1111", "1111 1117. Thank you", "no problem"]
    redacted, count = redact_stream(segments)
    assert redacted == ["The card number is [CARD_NUMBER]", "Thank you", "no problem"]
    assert count == 1
    assert all(longest_digit_run(s) < 4 for s in redacted)


def test_card_words_split_across_segments() -> None:
    segments = [
        "it is four two four two, four two four two",
        "four two four two, four two four two",
    ]
    redacted, count = redact_stream(segments)
    assert count == 1
    assert "[CARD_NUMBER]" in redacted[0]
    assert "four" not in " ".join(redacted)


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert luhn_valid("378282246310005")  # Amex, 15 digits
    assert not luhn_valid("4111111111111112")
    assert not luhn_valid("abc")


def test_spans_do_not_overlap() -> None:
    spans = find_pii("card 4111 1111 1111 1111 call +1 555 867 5309 mail a@b.com")
    assert [s.placeholder for s in spans] == ["[CARD_NUMBER]", "[PHONE]", "[EMAIL]"]
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))
