"""Warehouse tables owned by transcription (schema `transcripts`).

Created empty by the pipeline before transcription has ever run, so the dbt marts build with
nulls in the transcript columns. Text columns hold redacted text only.
"""

import duckdb

CALL_TRANSCRIPTS_DDL = """
create table if not exists transcripts.call_transcripts (
    call_id varchar primary key,
    account_id varchar,
    recording_uri varchar,          -- landing-relative location, not PII
    status varchar not null,        -- ok | no_speech | failed
    reason varchar,                 -- why no_speech/failed (empty_file, corrupt_audio, ...)
    language varchar,
    language_probability double,
    audio_seconds double,
    channels integer,               -- 1 mono, 2 dual-channel (caller left, agent right)
    model varchar,                  -- model name + compute type that produced the text
    redacted_text varchar,          -- full transcript after redaction, "caller:"/"agent:" turns
    sentiment_overall double,       -- VADER compound, -1..1
    sentiment_caller double,
    sentiment_agent double,
    sentiment_label varchar,        -- positive | neutral | negative
    outcome varchar,                -- booked, price_inquiry, complaint, wrong_number, spam,
                                    -- voicemail or other
    keywords varchar,               -- JSON list of {"keyword", "list", "speaker", "start_seconds"}
    redaction_count integer,
    transcribed_at timestamp with time zone
)
"""

SEGMENTS_DDL = """
create table if not exists transcripts.segments (
    call_id varchar not null,
    segment_index integer not null,
    speaker varchar,                -- caller | agent | unknown (mono)
    start_seconds double,
    end_seconds double,
    redacted_text varchar,
    sentiment double,
    avg_logprob double,
    no_speech_prob double,
    primary key (call_id, segment_index)
)
"""


# Finished, redacted records keyed by audio content + configuration (transcribe/cache.py): the
# same values call_transcripts/segments hold, never unredacted text; keywords are per account
# and not kept here.
TRANSCRIPT_CACHE_DDL = """
create table if not exists transcripts.transcript_cache (
    cache_key varchar primary key,  -- audio_sha256 || ':' || config_digest
    audio_sha256 varchar not null,  -- SHA-256 of the recording's bytes
    config_digest varchar not null, -- model, text-changing options, code and library versions
    status varchar not null,
    reason varchar,
    language varchar,
    language_probability double,
    audio_seconds double,
    channels integer,
    model varchar,
    redacted_text varchar,
    sentiment_overall double,
    sentiment_caller double,
    sentiment_agent double,
    sentiment_label varchar,
    outcome varchar,
    redaction_count integer,
    segments struct(
        speaker varchar, start_seconds double, end_seconds double, redacted_text varchar,
        sentiment double, avg_logprob double, no_speech_prob double
    )[],
    created_at timestamp with time zone
)
"""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists transcripts")
    con.execute(CALL_TRANSCRIPTS_DDL)
    con.execute(SEGMENTS_DDL)
    con.execute(TRANSCRIPT_CACHE_DDL)
