"""Validation of landing rows against the contract, as one vectorized DuckDB query per file.

`validation_sql(feed, source_schema)` returns a SELECT over a registered Arrow relation that
yields, for every source row, the contract columns cast to the contract types plus the first
rule the row breaks (`_reason_code`, `_reason_detail`, from `contract.QUARANTINE_REASONS`) and,
for rejected rows only, the original values as JSON. Every rule is derived from
`ingest/contract.py`; the SQL text holds only identifiers and constants of the contract, never
a value from the data (the per-file values — arrival day, landing root — are bound parameters).

Rule order (the first broken rule is the row's reason): uncastable value, unsupported schema
version, missing field required on every row, unknown event type, missing field required on the
row's event type (or by a `required_when` condition), enum, E.164, timestamp range, invalid
value (negative counts, talk > duration), invalid path (recording_uri out of the landing root).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyarrow as pa

from ingest.contract import (
    E164_PATTERN,
    EARLIEST_VALID_INSTANT,
    INSTANT,
    MAX_FUTURE_SKEW_DAYS,
    QUARANTINE_REASONS,
    SCHEMA_VERSION,
    Feed,
)

# Source columns that travel with the data but are not contract fields.
ROW_NUMBER_COLUMN = "__calltrack_row_number"
SEQ_COLUMN = "__calltrack_seq"  # order of the row within a load batch
FILE_COLUMN = "__calltrack_file_key"  # landing key of the row's file
# Internal columns carried through validation, and their output names.
INTERNAL_COLUMNS = {ROW_NUMBER_COLUMN: "_row_number", SEQ_COLUMN: "_seq", FILE_COLUMN: "_file_key"}

# Fields whose values are paths that must stay inside the landing root.
PATH_FIELDS = ("recording_uri",)


def duckdb_type(t: pa.DataType) -> str:
    """DuckDB type of a contract Arrow type."""
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "VARCHAR"
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ" if t.tz else "TIMESTAMP"
    if pa.types.is_date32(t):
        return "DATE"
    if pa.types.is_int64(t):
        return "BIGINT"
    if pa.types.is_int32(t):
        return "INTEGER"
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision}, {t.scale})"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    raise TypeError(f"no DuckDB type for contract type {t}")


def ident(name: str) -> str:
    """A quoted SQL identifier (column names come from the contract or a file's schema)."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """A SQL string literal for a contract constant (never for data values)."""
    return "'" + value.replace("'", "''") + "'"


def _nested(t: pa.DataType) -> bool:
    return pa.types.is_nested(t) or pa.types.is_map(t)


@dataclass(frozen=True)
class SchemaDrift:
    """How a file's schema differs from the contract; neither kind fails the load."""

    extra_columns: tuple[str, ...] = ()  # reported (metadata + warning) and ignored
    missing_columns: tuple[str, ...] = ()  # loaded as null (then required-field rules apply)
    cast_columns: tuple[str, ...] = ()  # present with another type: cast safely, row by row


def schema_drift(feed: Feed, source: pa.Schema) -> SchemaDrift:
    names = set(source.names)
    contract = feed.field_names
    extra = tuple(n for n in source.names if n not in set(contract) and n not in INTERNAL_COLUMNS)
    missing = tuple(n for n in contract if n not in names)
    cast = tuple(n for n in contract if n in names and source.field(n).type != feed.field(n).type)
    return SchemaDrift(extra, missing, cast)


@dataclass
class Rule:
    code: str
    condition: str  # SQL over the cast columns (and `src_*` originals for casts)
    detail: str


@dataclass
class ValidationPlan:
    sql: str
    drift: SchemaDrift
    rules: list[Rule] = field(default_factory=list)


def _rules(feed: Feed, source: pa.Schema) -> list[Rule]:
    rules: list[Rule] = []
    names = set(source.names)
    # 1. uncastable: the source had a value, the cast has none.
    for f in feed.fields:
        if f.name in names and source.field(f.name).type != f.type:
            rules.append(
                Rule(
                    "uncastable_value",
                    f"s.{ident(f.name)} IS NOT NULL AND c.{ident(f.name)} IS NULL",
                    f"{f.name}: value of type {source.field(f.name).type} does not cast to "
                    f"{f.type}",
                )
            )
    # 2. schema version.
    rules.append(
        Rule(
            "unsupported_schema_version",
            f"c.schema_version IS NOT NULL AND c.schema_version <> {int(SCHEMA_VERSION)}",
            f"schema_version is not {SCHEMA_VERSION}",
        )
    )
    # 3. fields required on every row.
    for name in feed.required_fields():
        rules.append(
            Rule("missing_required_field", f"c.{ident(name)} IS NULL", f"{name} is required")
        )
    # 4. event type.
    if feed.event_types:
        allowed = ", ".join(lit(e) for e in feed.event_types)
        rules.append(
            Rule(
                "unknown_event_type",
                f"c.event_type NOT IN ({allowed})",
                f"event_type is not one of {', '.join(feed.event_types)}",
            )
        )
    # 5. fields required on some event types, and conditional requirements.
    for f in feed.fields:
        on = [e for e in f.required_on if e != "*"]
        if on and "*" not in f.required_on:
            rules.append(
                Rule(
                    "missing_required_field",
                    f"c.{ident(f.name)} IS NULL AND c.event_type IN "
                    f"({', '.join(lit(e) for e in on)})",
                    f"{f.name} is required on {', '.join(on)}",
                )
            )
    for name, condition in feed.required_when:
        # The condition is a constant of the contract written over the row's own columns.
        rules.append(
            Rule(
                "missing_required_field",
                f"c.{ident(name)} IS NULL AND coalesce(({_qualify(condition, feed)}), false)",
                f"{name} is required where {condition}",
            )
        )
    # 6. enums (compared as text so one rule serves every type).
    for name, values in feed.enums.items():
        allowed = ", ".join(lit(v) for v in values)
        rules.append(
            Rule(
                "invalid_enum",
                f"c.{ident(name)} IS NOT NULL AND CAST(c.{ident(name)} AS VARCHAR) "
                f"NOT IN ({allowed})",
                f"{name} is not one of {', '.join(values)}",
            )
        )
    # 7. E.164.
    for name in feed.e164_fields:
        rules.append(
            Rule(
                "invalid_e164",
                f"c.{ident(name)} IS NOT NULL AND NOT regexp_full_match(c.{ident(name)}, "
                f"{lit(E164_PATTERN)})",
                f"{name} is not an E.164 number",
            )
        )
    # 8. instants: none before 2000; event times not after the arrival day + the allowed skew
    # (relative to the arrival day, not the clock, so reloading gives the same verdict).
    for f in feed.fields:
        if f.type == INSTANT:
            rules.append(
                Rule(
                    "timestamp_out_of_range",
                    f"c.{ident(f.name)} < TIMESTAMPTZ {lit(EARLIEST_VALID_INSTANT)}",
                    f"{f.name} is before {EARLIEST_VALID_INSTANT[:10]}",
                )
            )
    if "occurred_at" in feed.field_names:
        rules.append(
            Rule(
                "timestamp_out_of_range",
                "c.occurred_at >= CAST($arrival_date AS TIMESTAMPTZ) + "
                f"INTERVAL {1 + int(MAX_FUTURE_SKEW_DAYS)} DAY",
                f"occurred_at is more than {MAX_FUTURE_SKEW_DAYS} days after its arrival day",
            )
        )
    # 9. values that break a rule of the contract.
    for f in feed.fields:
        if pa.types.is_integer(f.type) and f.name != "schema_version":
            rules.append(Rule("invalid_value", f"c.{ident(f.name)} < 0", f"{f.name} is negative"))
    if {"talk_seconds", "duration_seconds"} <= set(feed.field_names):
        rules.append(
            Rule(
                "invalid_value",
                "c.talk_seconds > c.duration_seconds",
                "talk_seconds is greater than duration_seconds",
            )
        )
    # 10. paths from the data stay inside the landing root.
    for name in PATH_FIELDS:
        if name in feed.field_names:
            rules.append(
                Rule("invalid_path", _path_escapes(f"c.{ident(name)}"), f"{name} leaves the root")
            )
    for r in rules:
        assert r.code in QUARANTINE_REASONS, r.code
    return rules


def _qualify(condition: str, feed: Feed) -> str:
    """Prefix the contract condition's column names with the cast relation `c.`."""
    names = sorted(feed.field_names, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w.'])(" + "|".join(map(re.escape, names)) + r")(?![\w'])")
    # Only outside string literals: split on quotes, rewrite the even (unquoted) parts.
    parts = condition.split("'")
    for i in range(0, len(parts), 2):
        parts[i] = pattern.sub(lambda m: "c." + ident(m.group(1)), parts[i])
    return "'".join(parts)


def _path_escapes(col: str) -> str:
    """SQL: the path value escapes the landing root.

    Allowed: a relative path without `..` segments; an absolute path, file:// or s3:// URI
    under the landing root (bound as $landing_root). Anything with a `..` segment, a
    backslash, a NUL, another scheme or an absolute location elsewhere escapes.
    """
    norm = f"regexp_replace({col}, '^file://', '')"
    return (
        f"({col} IS NOT NULL AND ("
        f"regexp_matches({col}, '(^|/)\\.\\.(/|$)') OR strpos({col}, '\\') > 0 "
        f"OR strpos({col}, chr(0)) > 0 "
        f"OR (regexp_matches({col}, '^[A-Za-z][A-Za-z0-9+.-]*://') "
        f"AND NOT regexp_matches({col}, '^(s3|file)://')) "
        f"OR ((starts_with({col}, '/') OR starts_with({col}, 'file://') "
        f"OR starts_with({col}, 's3://')) "
        f"AND NOT starts_with({norm}, $landing_root || '/'))"
        f"))"
    )


def _casts(feed: Feed, source: pa.Schema) -> list[tuple[str, str]]:
    """(field, SQL expression casting the source column to the contract type) per field."""
    names = set(source.names)
    out = []
    for f in feed.fields:
        target = duckdb_type(f.type)
        if f.name not in names or _nested(source.field(f.name).type):
            # Missing: null. A list or struct never becomes a scalar: null, flagged uncastable.
            expr = f"CAST(NULL AS {target})"
        elif source.field(f.name).type == f.type:
            expr = ident(f.name)
        else:
            expr = f"TRY_CAST({ident(f.name)} AS {target})"
        out.append((f.name, expr))
    return out


def cast_sql(feed: Feed, source: pa.Schema, relation: str = "src") -> str:
    """SELECT of the contract fields cast to their types (no rules), plus the internal columns
    present: what accepted rows are appended from, once validation has judged them."""
    carried = [(c, a) for c, a in INTERNAL_COLUMNS.items() if c in set(source.names)]
    cols = [f"{expr} AS {ident(name)}" for name, expr in _casts(feed, source)]
    cols += [f"{ident(c)} AS {a}" for c, a in carried]
    return f"SELECT {', '.join(cols)} FROM {relation}"


def validation_plan(feed: Feed, source: pa.Schema, relation: str = "src") -> ValidationPlan:
    """The SELECT validating a file of `feed` with schema `source`, registered as `relation`.

    `relation` must carry the file's columns plus `ROW_NUMBER_COLUMN` (and may carry the
    other `INTERNAL_COLUMNS`, output as `_seq` and `_file_key`). Parameters to bind:
    `$arrival_date` (DATE) and `$landing_root` (VARCHAR: the absolute local root, or the s3://
    root URI). Output columns: the contract fields cast to their types (contract order),
    `_row_number`, `_reason_code`, `_reason_detail`, `_original_json`.
    """
    drift = schema_drift(feed, source)
    names = set(source.names)
    # The inner SELECT exposes the file as it came as a struct `s` and the cast row as a
    # struct `c`, side by side from one scan, so rules can say s."x" and c."x" without clashes.
    casts = [f"{ident(name)} := {expr}" for name, expr in _casts(feed, source)]
    originals = [n for n in source.names if n not in INTERNAL_COLUMNS]
    # Internal columns present in the relation travel through (ROW_NUMBER_COLUMN must be).
    carried = [(c, alias) for c, alias in INTERNAL_COLUMNS.items() if c in names]
    carried_in = ", ".join(f"{ident(c)} AS {alias}" for c, alias in carried)
    carried_out = ", ".join(alias for _, alias in carried)
    src_struct = (
        "struct_pack(" + ", ".join(f"{ident(n)} := {ident(n)}" for n in originals) + ")"
        if originals
        else "struct_pack(__no_columns := CAST(NULL AS VARCHAR))"
    )
    rules = _rules(feed, source)
    # CASE picks the first broken rule; code and detail are looked up by its index in two
    # constant lists, and the JSON of the original values is built for rejected rows only.
    whens = "\n".join(f"      WHEN {r.condition} THEN {i + 1}" for i, r in enumerate(rules))
    codes = "[" + ", ".join(lit(r.code) for r in rules) + "]"
    details = "[" + ", ".join(lit(r.detail) for r in rules) + "]"
    out_cols = ", ".join(f"c.{ident(n)} AS {ident(n)}" for n in feed.field_names)
    sql = f"""
SELECT {out_cols},
       {carried_out},
       CASE WHEN _rule IS NULL THEN NULL ELSE {codes}[_rule] END AS _reason_code,
       CASE WHEN _rule IS NULL THEN NULL ELSE {details}[_rule] END AS _reason_detail,
       CASE WHEN _rule IS NULL THEN NULL ELSE CAST(to_json(s) AS VARCHAR) END AS _original_json
FROM (
  SELECT s, c, {carried_out}, CASE
{whens}
      ELSE NULL END AS _rule
  FROM (
    SELECT {src_struct} AS s, struct_pack({", ".join(casts)}) AS c,
           {carried_in}
    FROM {relation}
  )
)
"""
    return ValidationPlan(sql=sql, drift=drift, rules=rules)
