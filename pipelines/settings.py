"""Every setting of calltrack, decided in one place from the environment.

Nothing reads `os.environ` at import time: `Settings.from_env()` is called when a run, a CLI
command or a resource needs the settings, so tests and the CLI can pass their own environment.
Each setting has an embedded default so a new user runs calltrack with no configuration.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

# A development-only secret for caller_key. Production sets CALLTRACK_CALLER_KEY_SECRET; with the
# default, keys are stable but guessable by anyone who reads this file (and the run warns).
DEV_CALLER_KEY_SECRET = "calltrack-dev-secret-change-me"


@dataclass(frozen=True)
class Settings:
    """Resolved settings. Field docs double as the README's configuration table."""

    landing_uri: str = "data/landing"  # CALLTRACK_LANDING_URI: local folder or s3://bucket/prefix
    warehouse_path: str = "data/warehouse.duckdb"  # CALLTRACK_WAREHOUSE
    dashboards_dir: str = "data/dashboards"  # CALLTRACK_DASHBOARDS_DIR
    exports_dir: str = "data/exports"  # CALLTRACK_EXPORTS_DIR
    models_dir: str = "data/models"  # CALLTRACK_MODELS_DIR: scoring model artifacts
    caller_key_secret: str = DEV_CALLER_KEY_SECRET  # CALLTRACK_CALLER_KEY_SECRET
    whisper_model: str = (
        "base"  # CALLTRACK_WHISPER_MODEL: "base" (packaged) or a CTranslate2 folder
    )
    whisper_device: str = "auto"  # CALLTRACK_WHISPER_DEVICE: auto, cpu or cuda
    whisper_compute_type: str = (
        "default"  # CALLTRACK_WHISPER_COMPUTE_TYPE: int8 on CPU, float16 on CUDA
    )
    whisper_cache_dir: str = "data/cache/whisper"  # CALLTRACK_WHISPER_CACHE
    whisper_beam_size: int = 5  # CALLTRACK_WHISPER_BEAM_SIZE: 1 = greedy, faster, less accurate
    whisper_workers: int = 0  # CALLTRACK_WHISPER_WORKERS: calls at once; 0 = a core each (CPU)
    dbt_target: str = "local"  # CALLTRACK_DBT_TARGET: profile target (local, ci)
    s3_endpoint_url: str | None = None  # AWS_ENDPOINT_URL: e.g. http://127.0.0.1:8333
    s3_region: str = "us-east-1"  # AWS_REGION / AWS_DEFAULT_REGION
    aws_access_key_id: str | None = field(default=None, repr=False)  # AWS_ACCESS_KEY_ID
    aws_secret_access_key: str | None = field(default=None, repr=False)  # AWS_SECRET_ACCESS_KEY

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from `environ` (default: the process environment), then `overrides`
        (explicit CLI flags or resource config; None means "not given")."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            for var in ENV_VARS[f.name]:
                if env.get(var):
                    values[f.name] = env[var]
                    break
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_overrides(self, **overrides: object) -> Settings:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def landing_is_s3(self) -> bool:
        return self.landing_uri.startswith("s3://")

    @property
    def uses_dev_secret(self) -> bool:
        return self.caller_key_secret == DEV_CALLER_KEY_SECRET

    def ensure_local_dirs(self) -> None:
        for d in (self.dashboards_dir, self.exports_dir, self.models_dir):
            Path(d).mkdir(parents=True, exist_ok=True)
        Path(self.warehouse_path).parent.mkdir(parents=True, exist_ok=True)


# Environment variables per setting, first one set wins.
ENV_VARS: dict[str, tuple[str, ...]] = {
    "landing_uri": ("CALLTRACK_LANDING_URI",),
    "warehouse_path": ("CALLTRACK_WAREHOUSE",),
    "dashboards_dir": ("CALLTRACK_DASHBOARDS_DIR",),
    "exports_dir": ("CALLTRACK_EXPORTS_DIR",),
    "models_dir": ("CALLTRACK_MODELS_DIR",),
    "caller_key_secret": ("CALLTRACK_CALLER_KEY_SECRET",),
    "whisper_model": ("CALLTRACK_WHISPER_MODEL",),
    "whisper_device": ("CALLTRACK_WHISPER_DEVICE",),
    "whisper_compute_type": ("CALLTRACK_WHISPER_COMPUTE_TYPE",),
    "whisper_cache_dir": ("CALLTRACK_WHISPER_CACHE",),
    "whisper_beam_size": ("CALLTRACK_WHISPER_BEAM_SIZE",),
    "whisper_workers": ("CALLTRACK_WHISPER_WORKERS",),
    "dbt_target": ("CALLTRACK_DBT_TARGET",),
    "s3_endpoint_url": ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"),
    "s3_region": ("AWS_REGION", "AWS_DEFAULT_REGION"),
    "aws_access_key_id": ("AWS_ACCESS_KEY_ID",),
    "aws_secret_access_key": ("AWS_SECRET_ACCESS_KEY",),
}
