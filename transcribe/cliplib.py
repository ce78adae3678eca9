"""The clip library: synthetic phone calls with known scripts, for tests, benchmarks and the demo.

Each clip is spoken by Debian `espeak-ng` (a different voice for caller and agent), band-limited
to the telephone band and resampled to 8 kHz 16-bit by `sox`, then assembled here: dual-channel
clips put the caller on the left channel and the agent on the right, turns separated in time, as
call recorders do. The exact script of each clip is kept as its reference text, so word error
rate, outcome accuracy and redaction recall can be measured against it.

The WAV files and `manifest.json` are committed (`transcribe/clips/`), so nothing here is needed
at run time; `python -m transcribe.clips build` rebuilds them deterministically (same espeak-ng
and sox versions give byte-identical files: no dither, noise from a seeded generator).

Card numbers in the scripts are public test numbers (Luhn-valid, never issued to anyone).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

CLIPS_DIR: Path = Path(__file__).resolve().parent / "clips"
MANIFEST_PATH: Path = CLIPS_DIR / "manifest.json"
SAMPLE_RATE = 8000

INTENTS = ("booked", "price_inquiry", "complaint", "wrong_number", "spam", "voicemail")

# (caller voice, agent voice) pairs; the seed of a clip picks one. Variants (+f2, +m3, ...) change
# timbre and pitch so the two speakers sound different, as in a real call. Chosen by measured
# Whisper base WER: most low male espeak variants lose the "f" of "five" (heard as "time" on
# almost every digit) and garble names; these six pairs were the most intelligible.
VOICE_PAIRS: tuple[tuple[str, str], ...] = (
    ("en-us+f2", "en-us+david"),
    ("en-us+f5", "en-us+david"),
    ("en-us+belinda", "en-us+f5"),
    ("en-us+f2", "en-us+f5"),
    ("en-us+f5", "en-us+f2"),
    ("en-us+belinda", "en-us+david"),
)
WORDS_PER_MINUTE = 155
GAP_SECONDS = (0.25, 0.5)  # silence between turns, drawn per turn from the clip's seed
LEAD_SECONDS = 0.25  # silence at the start and end of a clip
# Telephone band: most energy of "f"/"s" is above it, as on a real phone line.
SOX_EFFECTS: tuple[str, ...] = ("highpass", "300", "lowpass", "3400")
NOISE_DBFS = -50.0  # line hiss, low enough not to disturb recognition


@dataclass(frozen=True)
class Turn:
    speaker: str  # "caller" | "agent"
    text: str


@dataclass(frozen=True)
class Clip:
    clip_id: str
    intent: str
    channels: int
    file: str  # relative to CLIPS_DIR
    seconds: float
    reference_text: str
    turns: tuple[Turn, ...]
    card_number: str | None = None
    has_pii: bool = False

    @property
    def path(self) -> Path:
        return CLIPS_DIR / self.file


# ---------------------------------------------------------------------------------------------
# Scripts. Digits are written as words because that is how people say them on the phone (and
# what espeak-ng speaks); the recognizer may return them as numerals, which the WER normalizer
# and the redactor both handle.

_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def spoken_digits(digits: str, group: int = 4) -> str:
    """'4111111111111111' -> 'four one one one, one one one one, ...' (grouped as people say)."""
    words = [_DIGIT_WORDS[int(d)] for d in digits]
    groups = [" ".join(words[i : i + group]) for i in range(0, len(words), group)]
    return ", ".join(groups)


@dataclass(frozen=True)
class _Script:
    clip_id: str
    intent: str
    channels: int
    turns: tuple[tuple[str, str], ...]
    card_number: str | None = None
    has_pii: bool = False
    seed: int = 0
    extra: dict[str, str] = field(default_factory=dict)


C, A = "caller", "agent"
VISA = "4111111111111111"
# A Mastercard 2-series test number: "five five five five ..." (5555555555554444) is heard as
# "size size size" through espeak-ng, which tests the recognizer more than the redactor.
MASTERCARD = "2223003122003222"
VISA_2 = "4242424242424242"
DISCOVER = "6011111111111117"
MASTERCARD_2 = "5105105105105100"

SCRIPTS: tuple[_Script, ...] = (
    _Script(
        "booked_01",
        "booked",
        1,
        (
            (A, "Bright Smile Dental, how can I help you?"),
            (C, "Hi, I would like to book a cleaning appointment for next week."),
            (A, "Sure, we have Tuesday at ten in the morning. Does that work?"),
            (C, "Tuesday at ten is perfect, please book me in."),
        ),
        seed=1,
    ),
    _Script(
        "booked_02",
        "booked",
        1,
        (
            (A, "Apex Plumbing, this is Sarah."),
            (C, "Hello, my kitchen sink is leaking and I need someone to come out."),
            (A, "We can send a plumber tomorrow afternoon."),
            (C, "Yes please, book me in."),
            (A, "Done, your appointment is confirmed."),
        ),
        seed=2,
    ),
    _Script(
        "booked_03",
        "booked",
        2,
        (
            (A, "Bright Smile Dental, how can I help?"),
            (C, "I want to book a checkup and pay the deposit by card."),
            (A, "Sure. What is the card number?"),
            (C, f"It is {spoken_digits(VISA)}."),
            (A, "Thanks, you are booked for Friday at nine."),
        ),
        card_number=VISA,
        has_pii=True,
        seed=3,
    ),
    _Script(
        "booked_04",
        "booked",
        2,
        (
            (A, "Apex Plumbing."),
            (C, "I want to book a boiler service."),
            (C, f"My card number is {spoken_digits(MASTERCARD)}."),
            (C, "The expiry is oh four twenty eight and the security code is one two three."),
            (A, "Thanks, you are booked for Monday morning."),
        ),
        card_number=MASTERCARD,
        has_pii=True,
        seed=4,
    ),
    _Script(
        "booked_05",
        "booked",
        1,
        (
            (A, "Grant and Partners law office."),
            (C, "Hi, I need a consultation about a contract."),
            (A, "I can book you on Thursday at three."),
            (C, "Great, please book it. My email is anna at gmail dot com."),
            (A, "Your consultation is confirmed."),
        ),
        has_pii=True,
        seed=5,
    ),
    _Script(
        "booked_06",
        "booked",
        2,
        (
            (A, "Green Lawn Care."),
            (C, "Hello, can I book a lawn mowing visit for Saturday?"),
            (A, "Yes, at eleven. I need a card to hold the slot."),
            (C, f"Sure, {spoken_digits(VISA_2)}, expiry twelve twenty seven."),
            (A, "Perfect, you are booked."),
        ),
        card_number=VISA_2,
        has_pii=True,
        seed=6,
    ),
    _Script(
        "price_inquiry_01",
        "price_inquiry",
        1,
        (
            (A, "Bright Smile Dental, how may I help?"),
            (C, "Hi, how much does teeth whitening cost?"),
            (A, "Whitening is two hundred and fifty dollars per session."),
            (C, "Okay, thanks, I will think about it."),
        ),
        seed=7,
    ),
    _Script(
        "price_inquiry_02",
        "price_inquiry",
        1,
        (
            (A, "Apex Plumbing."),
            (C, "What is your price for replacing a water heater?"),
            (A, "About nine hundred dollars installed."),
            (C, "Do you offer a quote in writing?"),
            (A, "Yes, we can send you a free quote."),
        ),
        seed=8,
    ),
    _Script(
        "price_inquiry_03",
        "price_inquiry",
        1,
        (
            (A, "Green Lawn Care."),
            (C, "Hello, how much do you charge for weekly lawn mowing?"),
            (A, "It is forty dollars a week for a standard yard."),
            (C, "Is there a discount if I pay for the whole season?"),
            (A, "Yes, ten percent off the season price."),
        ),
        seed=9,
    ),
    _Script(
        "price_inquiry_04",
        "price_inquiry",
        1,
        (
            (C, "Hi, I am calling to ask about your rates for a will and testament."),
            (A, "Our flat fee for a simple will is five hundred dollars."),
            (C, "And how much is it for a couple?"),
            (A, "Eight hundred dollars for both."),
        ),
        seed=10,
    ),
    _Script(
        "complaint_01",
        "complaint",
        1,
        (
            (A, "Apex Plumbing, how can I help?"),
            (C, "Your technician came yesterday and the leak is worse than before."),
            (C, "I am really unhappy, this is terrible service."),
            (A, "I am very sorry to hear that. We will send someone back today."),
        ),
        seed=11,
    ),
    _Script(
        "complaint_02",
        "complaint",
        2,
        (
            (A, "Bright Smile Dental."),
            (C, "I was charged twice for my last visit and I want a refund."),
            (A, "I apologize for the mistake. Which card was charged?"),
            (C, f"The card number is {spoken_digits(DISCOVER)}."),
            (A, "Thank you, the refund is on its way."),
        ),
        card_number=DISCOVER,
        has_pii=True,
        seed=12,
    ),
    _Script(
        "complaint_03",
        "complaint",
        1,
        (
            (C, "I have been waiting three weeks for my documents and nobody calls me back."),
            (C, "This is unacceptable and I am very disappointed."),
            (A, "I understand your frustration, I will escalate this to a manager."),
        ),
        seed=13,
    ),
    _Script(
        "complaint_04",
        "complaint",
        2,
        (
            (A, "Green Lawn Care, how can I help?"),
            (C, "Your crew damaged my fence and left a mess. I am angry."),
            (A, "I am so sorry. What number can we call you back on?"),
            (C, "Call me at five five five, two one two, three four five six."),
        ),
        has_pii=True,
        seed=14,
    ),
    _Script(
        "wrong_number_01",
        "wrong_number",
        2,
        (
            (A, "Bright Smile Dental, how can I help?"),
            (C, "Oh, is this not the pizza place?"),
            (A, "No, this is a dental office."),
            (C, "Sorry, wrong number."),
        ),
        seed=15,
    ),
    _Script(
        "wrong_number_02",
        "wrong_number",
        1,
        (
            (A, "Apex Plumbing."),
            (C, "Hi, I am looking for Maria, is she there?"),
            (A, "I think you have the wrong number, there is no Maria here."),
            (C, "Oh, my mistake, sorry about that."),
        ),
        seed=16,
    ),
    _Script(
        "wrong_number_03",
        "wrong_number",
        1,
        (
            (A, "Law offices of Grant and Partners."),
            (C, "Hello, is this the pharmacy on Main Street?"),
            (A, "No, you have reached a law office."),
            (C, "Sorry, I must have dialed the wrong number."),
        ),
        seed=17,
    ),
    _Script(
        "spam_01",
        "spam",
        1,
        (
            (
                C,
                "This is an important message about your car's extended warranty. "
                "Press one now to speak to a specialist before your coverage expires.",
            ),
        ),
        seed=18,
    ),
    _Script(
        "spam_02",
        "spam",
        1,
        (
            (
                C,
                "Congratulations, you have been selected for a free cruise. "
                "Press nine to claim your prize or press two to be removed from our list.",
            ),
        ),
        seed=19,
    ),
    _Script(
        "spam_03",
        "spam",
        1,
        (
            (
                C,
                "Final notice. Your business listing on Google will be suspended. "
                "Press one to verify your listing now.",
            ),
        ),
        seed=20,
    ),
    _Script(
        "voicemail_01",
        "voicemail",
        1,
        (
            (
                A,
                "You have reached Bright Smile Dental. We are closed. "
                "Please leave a message after the tone.",
            ),
            (C, "Hi, this is Tom, please call me back about my appointment. Thanks."),
        ),
        seed=21,
    ),
    _Script(
        "voicemail_02",
        "voicemail",
        1,
        (
            (A, "Sorry we missed your call. Please leave your name and number after the beep."),
            (
                C,
                "Hello, it is Linda. My number is five five five, eight six seven, five three "
                "zero nine. Call me back please.",
            ),
        ),
        has_pii=True,
        seed=22,
    ),
    _Script(
        "voicemail_03",
        "voicemail",
        1,
        (
            (A, "The person you are calling is not available. Please leave a message."),
            (C, "Hi, I am calling about the quote you sent. Please give me a call back."),
        ),
        seed=23,
    ),
    _Script(
        "booked_07",
        "booked",
        2,
        (
            (A, "Apex Plumbing, this is Mike."),
            (C, "I want to book a drain cleaning."),
            (
                C,
                f"My card is {spoken_digits(MASTERCARD_2)}, the code on the back is four five six.",
            ),
            (A, "Thanks, you are booked for Wednesday."),
        ),
        card_number=MASTERCARD_2,
        has_pii=True,
        seed=24,
    ),
)


# ---------------------------------------------------------------------------------------------
# Synthesis.


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None and shutil.which("sox") is not None


def _speak(text: str, voice: str, tmp: Path) -> np.ndarray:
    """One utterance as float32 samples at 8 kHz, telephone band (300-3400 Hz)."""
    wide = tmp / "wide.wav"
    narrow = tmp / "narrow.raw"
    # Text is an argv element, never shell text.
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(WORDS_PER_MINUTE), "-w", str(wide), text],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        # -D: no dither; one thread (sox is built with OpenMP: thread timing must not reach the
        # samples), so the output is deterministic.
        [
            "sox",
            "--single-threaded",
            "-D",
            str(wide),
            "-t",
            "raw",
            "-e",
            "signed",
            "-b",
            "16",
            "-c",
            "1",
            str(narrow),
            *SOX_EFFECTS,
            "rate",
            str(SAMPLE_RATE),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    pcm = np.frombuffer(narrow.read_bytes(), dtype="<i2").astype(np.float32) / 32768.0
    # espeak-ng pads each utterance with silence; trim it (keeping 50 ms) so gaps between turns
    # are the ones drawn below, and the library stays small.
    loud = np.flatnonzero(np.abs(pcm) > 0.01)
    if loud.size:
        margin = SAMPLE_RATE // 20
        pcm = pcm[max(0, loud[0] - margin) : loud[-1] + margin]
    peak = float(np.max(np.abs(pcm))) if pcm.size else 0.0
    return pcm * (0.6 / peak) if peak > 0 else pcm


def _as_turns(turns: Sequence[Turn | Mapping[str, str] | tuple[str, str]]) -> list[Turn]:
    out = []
    for t in turns:
        if isinstance(t, Turn):
            out.append(t)
        elif isinstance(t, Mapping):
            out.append(Turn(str(t["speaker"]), str(t["text"])))
        else:
            out.append(Turn(str(t[0]), str(t[1])))
    for t in out:
        if t.speaker not in ("caller", "agent"):
            raise ValueError(f"speaker must be 'caller' or 'agent', got {t.speaker!r}")
    return out


def synthesize_call(
    turns: Sequence[Turn | Mapping[str, str] | tuple[str, str]],
    channels: int,
    out_path: str | Path,
    seed: int = 0,
) -> float:
    """Speak `turns` into an 8 kHz 16-bit WAV at `out_path`; return its length in seconds.

    channels=2: caller on the left, agent on the right, each silent while the other speaks.
    channels=1: both speakers mixed in one channel. Needs espeak-ng and sox on PATH; the same
    turns, channels and seed give the same bytes.
    """
    if channels not in (1, 2):
        raise ValueError(f"channels must be 1 or 2, got {channels}")
    if not espeak_available():
        raise RuntimeError(
            "synthesize_call needs espeak-ng and sox (apt-get install espeak-ng sox)"
        )
    parsed = _as_turns(turns)
    rng = np.random.default_rng(seed)
    caller_voice, agent_voice = VOICE_PAIRS[seed % len(VOICE_PAIRS)]
    lead = int(LEAD_SECONDS * SAMPLE_RATE)
    pieces: list[tuple[str, int, np.ndarray]] = []  # (speaker, start sample, samples)
    cursor = lead
    with tempfile.TemporaryDirectory() as d:
        for i, t in enumerate(parsed):
            voice = caller_voice if t.speaker == "caller" else agent_voice
            pcm = _speak(t.text, voice, Path(d))
            if i:
                cursor += int(rng.uniform(*GAP_SECONDS) * SAMPLE_RATE)
            pieces.append((t.speaker, cursor, pcm))
            cursor += len(pcm)
    total = cursor + lead
    track = np.zeros((total, channels), dtype=np.float32)
    for speaker, start, pcm in pieces:
        col = 0 if channels == 1 or speaker == "caller" else 1
        track[start : start + len(pcm), col] += pcm
    track += rng.normal(0.0, 10 ** (NOISE_DBFS / 20), size=track.shape).astype(np.float32)
    write_wav(out_path, track)
    return round(total / SAMPLE_RATE, 3)


def write_wav(path: str | Path, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    """Float samples (frames x channels, or 1-D mono) in -1..1 -> 16-bit PCM WAV."""
    if samples.ndim == 1:
        samples = samples[:, None]
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).round().astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(samples.shape[1])
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())


# ---------------------------------------------------------------------------------------------
# Manifest.


def load_manifest(path: Path = MANIFEST_PATH) -> list[Clip]:
    """The committed clip library, in manifest order."""
    data = json.loads(Path(path).read_text())
    clips = []
    for c in data["clips"]:
        clips.append(
            Clip(
                clip_id=c["clip_id"],
                intent=c["intent"],
                channels=int(c["channels"]),
                file=c["file"],
                seconds=float(c["seconds"]),
                reference_text=c["reference_text"],
                turns=tuple(Turn(t["speaker"], t["text"]) for t in c["turns"]),
                card_number=c.get("card_number"),
                has_pii=bool(c.get("has_pii", False)),
            )
        )
    return clips


def build(out_dir: Path = CLIPS_DIR) -> list[Clip]:
    """Synthesize every script into `out_dir` and write its manifest.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    clips = []
    for s in SCRIPTS:
        turns = tuple(Turn(sp, tx) for sp, tx in s.turns)
        file = f"{s.clip_id}.wav"
        seconds = synthesize_call(turns, s.channels, out_dir / file, seed=s.seed)
        clips.append(
            Clip(
                clip_id=s.clip_id,
                intent=s.intent,
                channels=s.channels,
                file=file,
                seconds=seconds,
                reference_text=" ".join(t.text for t in turns),
                turns=turns,
                card_number=s.card_number,
                has_pii=s.has_pii,
            )
        )
    manifest = {
        "sample_rate": SAMPLE_RATE,
        "clips": [
            {
                **{k: v for k, v in asdict(c).items() if k != "turns"},
                "turns": [asdict(t) for t in c.turns],
            }
            for c in clips
        ],
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return clips


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m transcribe.clips")
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="synthesize the clip library (needs espeak-ng and sox)")
    b.add_argument("--out", type=Path, default=CLIPS_DIR)
    args = p.parse_args(argv)
    if args.cmd == "build":
        clips = build(args.out)
        total = sum((args.out / c.file).stat().st_size for c in clips)
        print(f"{len(clips)} clips, {sum(c.seconds for c in clips):.1f} s, {total / 1e6:.1f} MB")
    return 0
