"""The model registry: artifacts versioned on disk, every run recorded in `ml.model_runs`.

On disk, under `Settings.models_dir`, one folder per model version:

    {models_dir}/{model_version}/model.joblib     the fitted estimator
                                 metadata.json    config, data window, metrics, code version, hash
                                 report.md        the evaluation report of the run
                                 evaluations/     reports of later `calltrack model evaluate` runs

In the warehouse, `ml.model_runs` has one row per train, tune or evaluate run. The champion is
the best registered model by a declared validation metric, unless a version is pinned.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import joblib

from models.config import CHAMPION_METRICS, ChampionConfig
from models.tables import ensure_tables

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
REPORT_FILE = "report.md"
TRAINING_KINDS = ("train", "tune")  # runs that produce a model that can be champion


@lru_cache(maxsize=1)
def code_version() -> str:
    """`git describe` of the checkout this code runs from, else the installed package version."""
    root = Path(__file__).resolve().parent.parent
    if (root / ".git").exists():
        try:
            out = subprocess.run(
                ["git", "describe", "--always", "--dirty", "--tags"],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            )
            return f"git:{out.stdout.strip()}"
        except (OSError, subprocess.SubprocessError):
            pass
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"calltrack=={version('calltrack')}"
    except PackageNotFoundError:
        return "unknown"


def new_model_version(models_dir: str | Path, name: str, now: datetime) -> str:
    """`{config name}-{UTC timestamp}`, with a counter if that folder already exists."""
    base = f"{name}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    version, n = base, 1
    while (Path(models_dir) / version).exists():
        n += 1
        version = f"{base}-{n}"
    return version


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class RegisteredModel:
    model_version: str
    artifact_dir: Path
    metadata: dict[str, Any]

    @property
    def is_fallback(self) -> bool:
        return bool(self.metadata.get("fallback"))

    def load(self) -> Any:
        path = self.artifact_dir / MODEL_FILE
        expected = self.metadata.get("artifact_sha256")
        if expected and _sha256(path) != expected:
            raise RuntimeError(f"{path} does not match the hash recorded in its metadata")
        return joblib.load(path)


def save_model(
    models_dir: str | Path,
    model_version: str,
    estimator: Any,
    metadata: dict[str, Any],
    report: str,
) -> RegisteredModel:
    """Write the artifact folder of a new version (never overwrites an existing version)."""
    folder = Path(models_dir) / model_version
    folder.mkdir(parents=True, exist_ok=False)
    joblib.dump(estimator, folder / MODEL_FILE)
    meta = {
        **metadata,
        "model_version": model_version,
        "artifact_sha256": _sha256(folder / MODEL_FILE),
    }
    (folder / METADATA_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True, default=str))
    (folder / REPORT_FILE).write_text(report)
    return RegisteredModel(model_version, folder, meta)


def open_model(models_dir: str | Path, model_version: str) -> RegisteredModel:
    folder = Path(models_dir) / model_version
    meta_path = folder / METADATA_FILE
    if not meta_path.exists():
        raise FileNotFoundError(f"model version {model_version!r} has no artifact in {folder}")
    return RegisteredModel(model_version, folder, json.loads(meta_path.read_text()))


def record_run(
    con: duckdb.DuckDBPyConnection,
    *,
    model_version: str,
    kind: str,
    model_type: str | None,
    config_json: str | None,
    feature_set: list[str] | None,
    data_window: tuple[str | None, str | None],
    metrics: dict[str, Any],
    artifact_path: str | Path | None,
    created_at: datetime,
) -> str:
    """Append one row to `ml.model_runs`; values go in as parameters, never as SQL text."""
    ensure_tables(con)
    run_id = uuid.uuid4().hex
    con.execute(
        "insert into ml.model_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            model_version,
            kind,
            model_type,
            config_json,
            json.dumps(feature_set) if feature_set is not None else None,
            data_window[0],
            data_window[1],
            json.dumps(metrics, sort_keys=True, default=str),
            str(artifact_path) if artifact_path is not None else None,
            code_version(),
            created_at,
        ],
    )
    return run_id


def list_models(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Registered models (train and tune runs), newest first, with their parsed metrics."""
    ensure_tables(con)
    rows = con.execute(
        "select model_version, kind, model_type, metrics_json, artifact_path, created_at "
        "from ml.model_runs where kind in (?, ?) order by created_at desc, model_version desc",
        list(TRAINING_KINDS),
    ).fetchall()
    return [
        {
            "model_version": r[0],
            "kind": r[1],
            "model_type": r[2],
            "metrics": json.loads(r[3]) if r[3] else {},
            "artifact_path": r[4],
            "created_at": r[5],
        }
        for r in rows
    ]


def champion(
    con: duckdb.DuckDBPyConnection,
    models_dir: str | Path,
    policy: ChampionConfig,
    pinned_version: str | None = None,
) -> RegisteredModel | None:
    """The pinned version (argument first, then the config's), else the registered model with
    the best validation `policy.metric` whose artifact is still on disk; ties go to the newest.
    Fallback models (no validation metric) rank below every trained one. None: nothing yet."""
    pin = pinned_version or policy.pinned_version
    if pin:
        return open_model(models_dir, pin)  # a pin that does not exist is an error, not a miss
    higher = CHAMPION_METRICS[policy.metric]
    best: tuple[tuple[int, float], dict[str, Any]] | None = None
    for row in list_models(con):
        if not (Path(models_dir) / row["model_version"] / METADATA_FILE).exists():
            continue  # artifact removed (or another models_dir): not servable
        value = (row["metrics"].get("model") or {}).get(policy.metric)
        rank = (0, 0.0) if value is None else (1, value if higher else -value)
        # newest first: a later row only wins when strictly better
        if best is None or rank > best[0]:
            best = (rank, row)
    if best is None:
        return None
    return open_model(models_dir, best[1]["model_version"])
