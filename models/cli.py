"""`calltrack model ...`: train, tune and evaluate call-scoring models from a YAML config.

Each command reads `ml.ml_call_features` from the warehouse, writes artifacts under the models
folder (`CALLTRACK_MODELS_DIR`) and records the run in `ml.model_runs`.
"""

from __future__ import annotations

import argparse
import json

from models.config import DEFAULT_CONFIG_PATH


def _settings(args: argparse.Namespace):  # -> pipelines.settings.Settings
    from pipelines.settings import Settings

    return Settings.from_env(warehouse_path=args.warehouse, models_dir=args.models_dir)


def _summary(metrics: dict) -> str:
    rows = []
    for key in ("model", "duration_rule", "logistic_no_text"):
        m = metrics.get(key) or {}
        rows.append(
            f"  {key:<18} roc_auc={_f(m.get('roc_auc'))} pr_auc={_f(m.get('pr_auc'))} "
            f"brier={_f(m.get('brier'))} top_decile_lift={_f(m.get('top_decile_lift'))}"
        )
    return "\n".join(rows)


def _f(v: float | None) -> str:
    return "—" if v is None else f"{v:.4f}"


def _open(args: argparse.Namespace):
    from ingest.warehouse import connect
    from models.config import load_config

    settings = _settings(args)
    config = load_config(args.config)
    return settings, config, connect(settings.warehouse_path)


def cmd_train(args: argparse.Namespace) -> int:
    from models.train import NotEnoughData, train, tune

    settings, config, con = _open(args)
    try:
        run = tune if args.command_name == "tune" else train
        model = run(con, config, settings.models_dir)
    except NotEnoughData as exc:
        print(f"calltrack model {args.command_name}: {exc}")
        return 2
    finally:
        con.close()
    print(f"registered {model.model_version} -> {model.artifact_dir}")
    print(_summary(model.metadata["metrics"]))
    print(f"report: {model.artifact_dir / 'report.md'}")
    if args.command_name == "tune":
        print(f"best config: {model.artifact_dir / 'config.yaml'}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from models.train import NotEnoughData, evaluate

    settings, config, con = _open(args)
    try:
        model, report, metrics = evaluate(
            con, settings.models_dir, config, model_version=args.version
        )
    except (NotEnoughData, LookupError, FileNotFoundError) as exc:
        print(f"calltrack model evaluate: {exc}")
        return 2
    finally:
        con.close()
    print(f"evaluated {model.model_version}")
    print(_summary(metrics))
    print(f"report: {report}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from models.registry import champion, list_models

    settings, config, con = _open(args)
    try:
        rows = list_models(con)
        best = champion(con, settings.models_dir, config.champion)
    finally:
        con.close()
    metric = config.champion.metric
    for row in rows:
        mark = "*" if best and best.model_version == row["model_version"] else " "
        value = (row["metrics"].get("model") or {}).get(metric)
        print(f"{mark} {row['model_version']:<40} {row['kind']:<6} {metric}={_f(value)}")
    if args.json:
        print(json.dumps([r["model_version"] for r in rows]))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `calltrack model train|tune|evaluate|list`."""
    model = subparsers.add_parser("model", help="train, tune and evaluate call-scoring models")
    sub = model.add_subparsers(dest="model_command", required=True)
    specs = {
        "train": ("train a model from a YAML config and register it", cmd_train),
        "tune": ("cross-validated search over the config's tune.space, then register", cmd_train),
        "evaluate": (
            "evaluate a registered model (default: the champion) on later calls",
            cmd_evaluate,
        ),
        "list": ("registered models; * marks the champion", cmd_list),
    }
    for name, (help_text, func) in specs.items():
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--config", default=DEFAULT_CONFIG_PATH, help="model config (YAML)")
        p.add_argument("--warehouse", help="DuckDB warehouse file")
        p.add_argument("--models-dir", dest="models_dir", help="folder of model artifacts")
        if name == "evaluate":
            p.add_argument("--version", help="model version (default: the champion)")
        if name == "list":
            p.add_argument("--json", action="store_true", help="also print the versions as JSON")
        p.set_defaults(func=func, command_name=name)
