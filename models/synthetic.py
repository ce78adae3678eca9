"""A synthetic `ml.ml_call_features` table for tests and for measuring the models before the
pipeline's own feature build is available.

It is generated, not observed: figures measured on it say the training code works, not how well
calls convert in the real world (the model card keeps the two apart). The generator makes the
things that matter for call scoring true by construction: long calls include existing customers
and spam, so duration is a weak proxy; conversions depend on the transcript's outcome, talk time,
channel, sentiment and words. It also adds leakage traps (`is_converted`, `conversion_count`,
`converted_at`: known only after the call) that a model must never read.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import polars as pl

CALLER_KINDS = ("prospect", "existing_customer", "wrong_number", "spam", "question")
KIND_P = (0.5, 0.2, 0.08, 0.07, 0.15)
CHANNELS = {
    # channel: (source, share, conversion effect on the log-odds)
    "Paid Search": ("google", 0.35, 0.4),
    "Organic Search": ("google", 0.2, 0.2),
    "Direct": ("(direct)", 0.12, 0.0),
    "Referral": ("yelp.com", 0.1, 0.3),
    "Paid Social": ("facebook", 0.08, -0.5),
    "Website (unattributed)": (None, 0.08, -0.2),
    "Offline": ("billboard", 0.07, 0.1),
}
PHRASES = {
    "prospect": [
        "hi i saw your ad and i would like to book an appointment",
        "how much would it cost to come in this week",
        "do you have any openings on [DATE] my name is [NAME]",
        "i need someone to come out and take a look can you schedule me",
        "what are your prices for a first visit",
    ],
    "booked": [
        "great that works book me in for [DATE] at ten",
        "perfect see you then my number is [PHONE]",
        "yes please confirm the appointment",
    ],
    "existing_customer": [
        "i am calling about my invoice from last month",
        "i am an existing customer and have a question about my account",
        "i need to reschedule my existing appointment",
        "there was a problem with the work you did last time",
    ],
    "wrong_number": ["sorry i think i have the wrong number", "is this the pharmacy oh sorry"],
    "spam": [
        "this is an important message about your car warranty press one",
        "congratulations you have been selected for a free cruise",
        "we can lower your business listing fees today",
    ],
    "question": [
        "what are your opening hours on saturday",
        "are you open on the holiday",
        "where exactly are you located",
    ],
    "filler": ["okay", "thank you", "sure", "let me check", "one moment please", "alright"],
}
KEYWORDS = {
    "prospect": ["appointment", "price", "quote"],
    "booked": ["appointment", "book"],
    "existing_customer": ["invoice", "reschedule", "account"],
    "spam": ["warranty", "free"],
    "question": ["hours"],
    "wrong_number": [],
}


def make_features(
    n_calls: int = 6000, weeks: int = 16, seed: int = 0, start: datetime | None = None
) -> pl.DataFrame:
    """`n_calls` ended calls over `weeks` weeks, with the columns of `ml.ml_call_features`
    (docs/architecture.md) plus the leakage-trap columns."""
    rng = np.random.default_rng(seed)
    start = start or datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
    span = weeks * 7 * 86400
    offsets = np.sort(rng.uniform(0, span, n_calls))
    kinds = rng.choice(len(CALLER_KINDS), n_calls, p=KIND_P)
    ch_names = list(CHANNELS)
    ch_p = np.array([CHANNELS[c][1] for c in ch_names])
    channels = rng.choice(len(ch_names), n_calls, p=ch_p / ch_p.sum())
    accounts = rng.choice(3, n_calls, p=(0.5, 0.3, 0.2))
    qualified_secs = np.array([90, 60, 120])[accounts]
    offsets_local_hours = np.array([-5, -8, -6])[accounts]

    rows = []
    for i in range(n_calls):
        kind = CALLER_KINDS[kinds[i]]
        channel = ch_names[channels[i]]
        source, _, ch_effect = CHANNELS[channel]
        started = start + timedelta(seconds=float(offsets[i]))
        answered = rng.random() < (0.6 if kind == "spam" else 0.82)
        ring = int(rng.integers(3, 35)) if answered else int(rng.integers(15, 60))
        booked = False
        if not answered:
            talk = 0
        else:
            mean = {
                "prospect": 170,
                "existing_customer": 200,  # long calls that never convert: the duration trap
                "wrong_number": 15,
                "spam": 80,
                "question": 50,
            }[kind]
            talk = int(rng.lognormal(np.log(mean), 0.7))
        if kind == "prospect" and answered:
            booked = rng.random() < 0.15 + 0.35 * min(talk, 600) / 600
        has_transcript = answered and talk >= 5 and rng.random() < 0.85
        if has_transcript:
            phrases = list(rng.choice(PHRASES[kind], size=2))
            if booked:
                phrases += list(rng.choice(PHRASES["booked"], size=2))
            phrases += list(rng.choice(PHRASES["filler"], size=2))
            rng.shuffle(phrases)
            text = " ".join(phrases)
            outcome = "appointment_booked" if booked else {"prospect": "inquiry"}.get(kind, kind)
            if rng.random() < 0.15:  # transcript classifiers err
                outcome = str(rng.choice(["inquiry", "question", "existing_customer"]))
            kws = sorted(set(KEYWORDS["booked" if booked else kind]) & set(text.split()))
            sentiment_caller = float(np.clip(rng.normal(0.35 if booked else 0.05, 0.3), -1, 1))
            sentiment_agent = float(np.clip(rng.normal(0.3, 0.2), -1, 1))
            status = "transcribed"
        else:
            text, outcome, kws = None, None, None
            sentiment_caller = sentiment_agent = None
            status = "no_recording" if answered else "not_answered"
        first_time = (
            None
            if rng.random() < 0.05
            else bool(rng.random() < (0.1 if kind == "existing_customer" else 0.85))
        )
        logit = {
            "prospect": -2.2,
            "existing_customer": -4.0,
            "wrong_number": -6.0,
            "spam": -7.0,
            "question": -3.0,
        }[kind]
        logit += ch_effect + (2.8 if booked else 0.0) + 0.6 * (min(talk, 900) / 300)
        logit += 0.8 * (sentiment_caller or 0.0) + (0.3 if first_time else 0.0)
        converted = rng.random() < 1 / (1 + np.exp(-logit))
        duration = ring + talk
        ended = started + timedelta(seconds=duration)
        local = started + timedelta(hours=int(offsets_local_hours[i]))
        converted_at = ended + timedelta(days=float(rng.exponential(5))) if converted else None
        rows.append(
            {
                "call_id": f"call-{seed}-{i:06d}",
                "account_id": f"acct-{accounts[i]}",
                "started_at": started,
                "ended_at": ended,
                "date_local": local.date(),
                "hour_local": local.hour,
                "day_of_week_local": local.weekday(),
                "talk_seconds": talk,
                "ring_seconds": ring,
                "duration_seconds": duration,
                "is_answered": bool(answered),
                "is_first_time_caller": first_time,
                "channel": channel,
                "source": source,
                "attribution_status": "unattributed"
                if channel == "Website (unattributed)"
                else ("static" if channel in ("Offline", "Referral") else "matched"),
                "has_keyword": bool(channel == "Paid Search" and rng.random() < 0.8),
                "transcript_status": status,
                "redacted_text": text,
                "sentiment_overall": None
                if sentiment_caller is None
                else (sentiment_caller + sentiment_agent) / 2,
                "sentiment_caller": sentiment_caller,
                "sentiment_agent": sentiment_agent,
                "outcome": outcome,
                "spotted_keywords": kws,
                "qualified_call_seconds": int(qualified_secs[i]),
                "is_qualified": bool(talk >= qualified_secs[i]),
                "converted_at": converted_at,
            }
        )
    frame = pl.DataFrame(
        rows,
        schema_overrides={
            "spotted_keywords": pl.List(pl.String),
            "is_qualified": pl.Boolean,
            "is_answered": pl.Boolean,
            "has_keyword": pl.Boolean,
        },
    )
    data_end = frame["ended_at"].max()
    # The label is what the CRM shows within the data: a conversion after the data's end is
    # not known yet, and the window is complete only once 30 days have passed.
    frame = frame.with_columns(
        (
            pl.col("converted_at").is_not_null()
            & (pl.col("converted_at") <= pl.col("ended_at") + pl.duration(days=30))
            & (pl.col("converted_at") <= data_end)
        ).alias("label_converted_30d"),
        (pl.col("ended_at") + pl.duration(days=30) <= data_end).alias("label_window_complete"),
    )
    # Leakage traps: known only after the call.
    frame = frame.with_columns(
        pl.col("label_converted_30d").alias("is_converted"),
        pl.col("label_converted_30d").cast(pl.Int64).alias("conversion_count"),
    )
    return frame


def write_features(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> None:
    """Replace `ml.ml_call_features` with `frame` (a stand-in for the dbt model in tests)."""
    con.execute("create schema if not exists ml")
    con.register("_calltrack_features", frame.to_arrow())
    try:
        con.execute(
            "create or replace table ml.ml_call_features as select * from _calltrack_features"
        )
    finally:
        con.unregister("_calltrack_features")
