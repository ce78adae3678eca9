"""The landing zone: a local folder or `s3://bucket/prefix`, listed and read file by file.

Layout (design.md): `{root}/{feed}/dt={YYYY-MM-DD}/{name}.parquet`. A file is identified by its
landing-relative key (`dni_beacons/dt=2026-10-01/a.parquet`, the same on disk and on S3) and its
checksum: the MD5 of the bytes locally, the ETag on S3 (the MD5 for single-part uploads). The
ledger stores both, so a key whose checksum later changes is noticed instead of reloaded.

S3 goes through boto3 with path-style addressing (SeaweedFS, MinIO) and botocore's standard
retry mode (exponential backoff with jitter) for transient errors; what still fails surfaces as
`LandingReadError` naming the file, so a run that loses its S3 server says which file it was on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol
from urllib.parse import urlparse

from ingest.contract import FEEDS

_DT_FOLDER = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})$")


class LandingReadError(RuntimeError):
    """A file (or the listing) could not be read from the landing zone: I/O, network, S3."""


@dataclass(frozen=True)
class LandingFile:
    key: str  # landing-relative, POSIX separators: "{feed}/dt={day}/{name}.parquet"
    feed: str
    arrival_date: dt.date
    size: int
    checksum: str  # MD5 hex locally; ETag (quotes stripped) on S3

    @property
    def dt(self) -> str:
        return self.arrival_date.isoformat()


def parse_key(key: str) -> tuple[str, dt.date] | None:
    """(feed, arrival day) of a landing key, or None when the key is not a feed's Parquet file.

    Anything else under the root (recordings/, _truth/, stray files, bad dt folders) is not ours
    to load and is skipped by the listing.
    """
    parts = PurePosixPath(key).parts
    if len(parts) != 3 or parts[0] not in FEEDS or not parts[2].endswith(".parquet"):
        return None
    if parts[2].startswith((".", "_")):  # hidden / in-progress uploads (e.g. "_tmp.parquet")
        return None
    m = _DT_FOLDER.match(parts[1])
    if not m:
        return None
    try:
        return parts[0], dt.date.fromisoformat(m.group(1))
    except ValueError:
        return None


def _wanted(
    key: str, feeds: Iterable[str] | None, days: Iterable[str] | None
) -> tuple[str, dt.date] | None:
    parsed = parse_key(key)
    if parsed is None:
        return None
    if feeds is not None and parsed[0] not in set(feeds):
        return None
    if days is not None and parsed[1].isoformat() not in set(days):
        return None
    return parsed


class Landing(Protocol):
    uri: str

    def list_files(
        self,
        feeds: Iterable[str] | None = None,
        days: Iterable[str] | None = None,
        *,
        checksums: bool = True,
    ) -> list[LandingFile]: ...

    def read_bytes(self, key: str) -> tuple[bytes, str]:
        """The file's bytes and its checksum as read (not as listed)."""
        ...

    def display(self, key: str) -> str: ...


class LocalLanding:
    """A landing zone in a local folder."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.uri = str(self.root)

    def display(self, key: str) -> str:
        return str(self.root / key)

    def _keys(self, feeds: Iterable[str] | None) -> Iterator[str]:
        if not self.root.exists():
            return
        for feed in sorted(set(feeds) if feeds is not None else FEEDS):
            base = self.root / feed
            if not base.is_dir():
                continue
            for path in base.glob("dt=*/*.parquet"):
                yield path.relative_to(self.root).as_posix()

    def list_files(
        self,
        feeds: Iterable[str] | None = None,
        days: Iterable[str] | None = None,
        *,
        checksums: bool = True,
    ) -> list[LandingFile]:
        """Files of the landing zone; `checksums=False` skips reading them (checksum "")."""
        feeds = list(feeds) if feeds is not None else None
        days = list(days) if days is not None else None
        out = []
        for key in self._keys(feeds):
            parsed = _wanted(key, feeds, days)
            if parsed is None:
                continue
            path = self.root / key
            if not checksums:
                out.append(LandingFile(key, parsed[0], parsed[1], path.stat().st_size, ""))
                continue
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise LandingReadError(f"cannot read {path}: {exc}") from exc
            # MD5 of the bytes (~500 MB/s): the price of noticing a file rewritten in place.
            out.append(
                LandingFile(key, parsed[0], parsed[1], len(data), hashlib.md5(data).hexdigest())
            )
        return sorted(out, key=lambda f: (f.arrival_date, f.key))

    def read_bytes(self, key: str) -> tuple[bytes, str]:
        path = self.root / key
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise LandingReadError(f"cannot read {path}: {exc}") from exc
        return data, hashlib.md5(data).hexdigest()


class S3Landing:
    """A landing zone under `s3://bucket/prefix`, through boto3."""

    def __init__(
        self,
        uri: str,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        max_attempts: int = 5,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
    ) -> None:
        import boto3
        from botocore.config import Config

        parsed = urlparse(uri)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ValueError(f"not an s3:// landing URI: {uri!r}")
        self.uri = uri.rstrip("/")
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                s3={"addressing_style": "path"},
                # "standard" retries throttling, 5xx and connection errors with exponential
                # backoff and jitter; max_attempts counts the first try.
                retries={"mode": "standard", "max_attempts": max_attempts},
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
            ),
        )

    def _object_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def display(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._object_key(key)}"

    def list_files(
        self,
        feeds: Iterable[str] | None = None,
        days: Iterable[str] | None = None,
        *,
        checksums: bool = True,  # ETags come with the listing: nothing to skip
    ) -> list[LandingFile]:
        feeds = list(feeds) if feeds is not None else None
        days = list(days) if days is not None else None
        base = f"{self.prefix}/" if self.prefix else ""
        out = []
        paginator = self.client.get_paginator("list_objects_v2")
        for feed in sorted(set(feeds) if feeds is not None else FEEDS):
            try:
                for page in paginator.paginate(Bucket=self.bucket, Prefix=f"{base}{feed}/"):
                    for obj in page.get("Contents", []):
                        key = obj["Key"][len(base) :]
                        parsed = _wanted(key, feeds, days)
                        if parsed is None:
                            continue
                        etag = obj.get("ETag", "").strip('"')
                        out.append(LandingFile(key, parsed[0], parsed[1], int(obj["Size"]), etag))
            except Exception as exc:
                raise LandingReadError(
                    f"cannot list s3://{self.bucket}/{base}{feed}/: {exc}"
                ) from exc
        return sorted(out, key=lambda f: (f.arrival_date, f.key))

    def read_bytes(self, key: str) -> tuple[bytes, str]:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._object_key(key))
            data = response["Body"].read()
        except Exception as exc:
            raise LandingReadError(f"cannot read {self.display(key)}: {exc}") from exc
        return data, response.get("ETag", "").strip('"')

    def upload_dir(self, source: str | Path) -> int:
        """Copy a local landing zone here (same keys); returns the number of files."""
        source = Path(source)
        n = 0
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            key = path.relative_to(source).as_posix()
            self.client.upload_file(str(path), self.bucket, self._object_key(key))
            n += 1
        return n


def open_landing(uri: str, settings: object | None = None, **s3_options: object) -> Landing:
    """A landing zone for `uri`; S3 endpoint and credentials from `settings` (pipelines'
    `Settings`, duck-typed so this package does not import the orchestration layer)."""
    if uri.startswith("s3://"):
        return S3Landing(
            uri,
            endpoint_url=getattr(settings, "s3_endpoint_url", None),
            region=getattr(settings, "s3_region", "us-east-1") or "us-east-1",
            access_key_id=getattr(settings, "aws_access_key_id", None),
            secret_access_key=getattr(settings, "aws_secret_access_key", None),
            **s3_options,  # type: ignore[arg-type]
        )
    return LocalLanding(uri)


def arrival_days(landing: Landing, feeds: Iterable[str] | None = None) -> list[str]:
    """The `dt=` days present in the landing zone, sorted."""
    return sorted({f.dt for f in landing.list_files(feeds, checksums=False)})
