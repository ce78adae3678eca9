"""The DuckDB warehouse: connections (with S3 access for an s3:// landing zone) and schemas.

Schemas of the warehouse contract (design.md): raw, quarantine, attribution, transcripts,
marts, ml. Each package creates the tables it owns; this module only opens the file.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlparse

import duckdb

WAREHOUSE_SCHEMAS = ("raw", "quarantine", "attribution", "transcripts", "marts", "ml")


def httpfs_extension_path() -> Path:
    """The httpfs extension file shipped by the duckdb-extension-httpfs wheel.

    DuckDB cannot download extensions here, so we LOAD the file by path; it must match the
    DuckDB version exactly, which the package's own version pin guarantees.
    """
    import duckdb_extension_httpfs

    base = Path(duckdb_extension_httpfs.__file__).parent / "extensions"
    version = duckdb.__version__
    candidates = sorted(base.glob(f"v{version}/httpfs.duckdb_extension")) or sorted(
        base.glob("*/httpfs.duckdb_extension")
    )
    if not candidates:
        raise RuntimeError(f"httpfs extension for DuckDB {version} not found under {base}")
    return candidates[0]


def configure_s3(
    con: duckdb.DuckDBPyConnection,
    *,
    endpoint_url: str | None,
    region: str,
    access_key_id: str | None,
    secret_access_key: str | None,
) -> None:
    """LOAD httpfs by path and register an S3 secret (path-style URLs, as SeaweedFS/MinIO need)."""
    con.execute(f"LOAD '{httpfs_extension_path()}'")
    params: dict[str, object] = {"region": region, "url_style": "path"}
    if endpoint_url:
        parsed = urlparse(endpoint_url)
        params["endpoint"] = parsed.netloc or parsed.path
        params["use_ssl"] = parsed.scheme == "https"
    if access_key_id:
        params["key_id"] = access_key_id
    if secret_access_key:
        params["secret"] = secret_access_key
    # CREATE SECRET takes literals only; values are escaped, never interpolated raw.
    body = ", ".join(f"{k.upper()} {_sql_literal(v)}" for k, v in params.items())
    con.execute(f"CREATE OR REPLACE SECRET calltrack_s3 (TYPE s3, {body})")


def _sql_literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "'" + str(value).replace("'", "''") + "'"


def connect(
    path: str | Path,
    *,
    read_only: bool = False,
    retries: int = 30,
    retry_wait_seconds: float = 0.5,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file, creating its folder and schemas.

    DuckDB allows one writing process per file; when another run holds the lock we wait and
    retry instead of failing the run (Dagster may start runs side by side).
    """
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    last_error: Exception | None = None
    for _ in range(retries):
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:  # lock held by another process
            if "lock" not in str(exc).lower():
                raise
            last_error = exc
            time.sleep(retry_wait_seconds)
    else:
        raise RuntimeError(f"warehouse {path} stayed locked by another process") from last_error
    # Instants cast, truncate and print in UTC whatever the machine's zone (as in dbt's profile);
    # local times are always computed with an explicit zone.
    con.execute("SET TimeZone = 'UTC'")
    if not read_only:
        for schema in WAREHOUSE_SCHEMAS:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    return con
