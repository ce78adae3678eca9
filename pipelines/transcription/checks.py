"""Asset checks of transcripts: redaction held (blocking) and values within their enums."""

import dagster as dg

from pipelines.resources import Warehouse
from pipelines.transcription.assets import CALL_TRANSCRIPTS
from transcribe.intel import OUTCOMES
from transcribe.redact import find_pii
from transcribe.tables import ensure_tables

# Only texts with a digit or an "@" can hold a card number, SSN, phone or e-mail in the clear;
# the filter keeps the Python scan to a small share of the rows.
_TEXTS_WITH_DIGITS = """
select call_id, redacted_text from transcripts.call_transcripts
where regexp_matches(redacted_text, '[0-9@]')
union all
select call_id, redacted_text from transcripts.segments
where regexp_matches(redacted_text, '[0-9@]')
union all
select 'cache:' || audio_sha256, redacted_text from transcripts.transcript_cache
where regexp_matches(redacted_text, '[0-9@]')
union all
select 'cache:' || audio_sha256, s.redacted_text
from (select audio_sha256, unnest(segments) as s from transcripts.transcript_cache)
where regexp_matches(s.redacted_text, '[0-9@]')
"""


@dg.asset_check(asset=CALL_TRANSCRIPTS, blocking=True)
def no_pii_in_stored_text(warehouse: Warehouse) -> dg.AssetCheckResult:
    """No stored text (transcripts, segments and the content-keyed transcript cache) still holds
    something the redactor would replace (card, SSN, phone, e-mail): if one does, redaction was
    bypassed and downstream must not see it."""
    with warehouse.connect() as con:
        ensure_tables(con)
        rows = con.execute(_TEXTS_WITH_DIGITS).fetchall()
    leaking = sorted({call_id for call_id, text in rows if text and find_pii(text)})
    return dg.AssetCheckResult(
        passed=not leaking,
        severity=dg.AssetCheckSeverity.ERROR,
        # Call ids only: the text itself must not be copied into the event log.
        metadata={"calls_with_pii": len(leaking), "sample_call_ids": ", ".join(leaking[:10])},
    )


@dg.asset_check(asset=CALL_TRANSCRIPTS)
def statuses_and_outcomes_valid(warehouse: Warehouse) -> dg.AssetCheckResult:
    """status is ok/no_speech/failed with a reason unless ok; outcomes are known labels; only
    ok rows carry text."""
    with warehouse.connect() as con:
        ensure_tables(con)
        bad = con.execute(
            """
            select count(*) from transcripts.call_transcripts
            where status not in ('ok', 'no_speech', 'failed')
               or (status <> 'ok' and (reason is null or redacted_text is not null))
               or (status = 'ok' and (outcome is null or not list_contains($outcomes, outcome)))
            """,
            {"outcomes": list(OUTCOMES)},
        ).fetchone()[0]
    return dg.AssetCheckResult(
        passed=bad == 0, severity=dg.AssetCheckSeverity.WARN, metadata={"bad_rows": bad}
    )
