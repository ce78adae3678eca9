"""Quality on the clip library with the real model: WER, outcome accuracy, redaction recall.

Thresholds were set from measurement (bench/README.md, section transcription): Whisper base int8
with calltrack's configuration (fit windows, beam 5) on espeak-ng voices through an 8 kHz phone
band reaches a corpus WER of 0.337 on the development machines of 2026-11-27/28 and 0.363 on an
AMD EPYC (AVX-512) machine of 2026-11-29, the same code and clips (float32 there: 0.360;
faster-whisper's defaults 0.336-0.339 and 0.344): on 24 synthetic clips, the CPU's kernels move
a few words. The threshold sits just above both: a margin for the CPU, not for a worse
configuration (greedy decoding measured 0.365 and 0.380, so on some CPUs it would pass).
"""

import pytest

from transcribe.quality import card_fragments_left, wer
from transcribe.redact import find_pii, redact_text

pytestmark = pytest.mark.xdist_group("whisper")

WER_THRESHOLD = 0.375
OUTCOME_ACCURACY_THRESHOLD = 0.70


def test_every_clip_transcribed(clip_runs) -> None:  # noqa: ANN001
    for run in clip_runs:
        assert run.result.status == "ok", run.clip.clip_id
        assert run.result.language == "en"
        assert run.result.channels == run.clip.channels
        assert abs(run.result.audio_seconds - run.clip.seconds) < 0.1


def test_word_error_rate(clip_runs) -> None:  # noqa: ANN001
    refs = [redact_text(r.clip.reference_text)[0] for r in clip_runs]
    hyps = [" ".join(s.text for s in r.result.segments) for r in clip_runs]
    measured = wer(refs, hyps)
    print(f"\ncorpus WER on {len(refs)} clips: {measured:.3f} (threshold {WER_THRESHOLD})")
    assert measured < WER_THRESHOLD


def test_outcome_accuracy(clip_runs) -> None:  # noqa: ANN001
    right = [r.result.outcome == r.clip.intent for r in clip_runs]
    accuracy = sum(right) / len(right)
    wrong = [
        (r.clip.clip_id, r.result.outcome) for r, ok in zip(clip_runs, right, strict=True) if not ok
    ]
    print(f"\noutcome accuracy {accuracy:.2f}; wrong: {wrong}")
    assert accuracy >= OUTCOME_ACCURACY_THRESHOLD


def test_no_card_digits_survive(clip_runs) -> None:  # noqa: ANN001
    card_runs = [r for r in clip_runs if r.clip.card_number]
    assert len(card_runs) >= 4
    for run in card_runs:
        texts = [run.result.redacted_text or ""] + [s.text for s in run.result.segments]
        for text in texts:
            # No 5 consecutive digits of the card, in numerals or words, anywhere.
            assert card_fragments_left(text, run.clip.card_number, 5) == [], run.clip.clip_id
    placed = sum("[CARD_NUMBER]" in (r.result.redacted_text or "") for r in card_runs)
    print(f"\ncard digits left: none in {len(card_runs)} card clips; placeholder in {placed}")
    # Where the recognizer kept the digits, the redactor caught them: most clips show the
    # placeholder (a clip may lose its digits to recognition errors, leaving nothing to catch;
    # measured 4-5 of 5, and int8 kernels differ a little between CPUs, hence a majority here).
    assert placed > len(card_runs) // 2


def test_stored_text_has_nothing_left_to_redact(clip_runs) -> None:  # noqa: ANN001
    for run in clip_runs:
        for seg in run.result.segments:
            assert find_pii(seg.text) == [], run.clip.clip_id


def test_dual_channel_speakers(clip_runs) -> None:  # noqa: ANN001
    for run in clip_runs:
        speakers = {s.speaker for s in run.result.segments}
        if run.clip.channels == 2:
            assert speakers == {"caller", "agent"}, run.clip.clip_id
            assert run.result.sentiment_caller is not None
            assert run.result.redacted_text.startswith(("caller:", "agent:"))
        else:
            assert speakers == {"unknown"}
        starts = [s.start_seconds for s in run.result.segments]
        assert starts == sorted(starts)


def test_sentiment_and_keywords_filled(clip_runs, transcriber) -> None:  # noqa: ANN001
    from transcribe.intel import keyword_lists

    complaint = next(r for r in clip_runs if r.clip.clip_id == "complaint_03")
    assert complaint.result.sentiment_caller is None  # mono: no speaker split
    assert complaint.result.sentiment_overall < 0
    assert complaint.result.sentiment_label == "negative"
    price = next(r for r in clip_runs if r.clip.clip_id == "price_inquiry_03")
    transcriber.analyse_keywords(price.result, keyword_lists(None))
    assert '"list":"price"' in price.result.keywords
