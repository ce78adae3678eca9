"""Google Ads offline click-conversion upload files, one CSV per account.

Format of Google's "Import conversions from clicks" template: a first line
`Parameters:TimeZone=<IANA timezone>` that says how to read Conversion Time, then the header
`Google Click ID,Conversion Name,Conversion Time,Conversion Value,Conversion Currency`.
One row per conversion linked to a call whose website session carried a gclid; the conversion
name is the CRM's conversion type (create conversion actions with those names in Google Ads).
Plain function, no Dagster: the asset in assets.py only calls it.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

HEADER = [
    "Google Click ID",
    "Conversion Name",
    "Conversion Time",
    "Conversion Value",
    "Conversion Currency",
]

# Conversion time in the account's timezone, which the Parameters line names.
_ROWS_SQL = """
select
    conversions.account_id,
    calls.gclid,
    conversions.conversion_type,
    strftime(timezone(accounts.timezone, conversions.converted_at), '%Y-%m-%d %H:%M:%S'),
    conversions.conversion_value,
    conversions.currency
from intermediate.int_conversions_linked as conversions
join marts.fct_calls as calls on conversions.call_id = calls.call_id
join marts.dim_accounts as accounts on conversions.account_id = accounts.account_id
where calls.gclid is not null
order by conversions.account_id, conversions.converted_at, conversions.conversion_id
"""

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True)
class ExportResult:
    files: dict[str, Path]  # account_id -> CSV path
    rows: int


def export_file_name(account_id: str) -> str:
    """A file name from an account id (ids come from data: anything unsafe becomes '_')."""
    return f"google_ads_offline_conversions_{_SAFE_NAME.sub('_', account_id)}.csv"


def write_offline_conversions(con: duckdb.DuckDBPyConnection, out_dir: Path) -> ExportResult:
    """Write one CSV per account of marts.dim_accounts (header only when it has no gclid
    conversions) and return where. Files are replaced atomically, so a rerun gives the same
    files and a reader never sees half a file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    accounts = con.execute(
        "select account_id, timezone from marts.dim_accounts order by account_id"
    ).fetchall()
    rows_by_account: dict[str, list[list[str]]] = {a: [] for a, _ in accounts}
    total = 0
    for account_id, gclid, name, at, value, currency in con.execute(_ROWS_SQL).fetchall():
        rows_by_account.setdefault(account_id, []).append(
            [gclid, name, at, "" if value is None else f"{value}", currency or ""]
        )
        total += 1
    files: dict[str, Path] = {}
    for account_id, timezone in accounts:
        path = out_dir / export_file_name(account_id)
        tmp = path.with_suffix(".csv.tmp")
        with tmp.open("w", newline="", encoding="utf-8") as fh:
            fh.write(f"Parameters:TimeZone={timezone}\n")
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(rows_by_account.get(account_id, []))
        tmp.replace(path)
        files[account_id] = path
    return ExportResult(files=files, rows=total)
