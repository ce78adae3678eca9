"""`calltrack transcribe`: transcribe audio files with the pipeline's model and redaction, or
prepare the model (no warehouse needed; handy to try a model folder or a GPU)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def cmd_transcribe(args: argparse.Namespace) -> int:
    from pipelines.settings import Settings
    from transcribe.intel import keyword_lists
    from transcribe.transcriber import CallResult, build_transcriber

    settings = Settings.from_env()
    tr = build_transcriber(settings)
    spec = tr.spec
    print(f"model: {spec.path} ({spec.label} on {spec.device}, {tr.workers} at a time)")
    if args.prune_cache:
        _prune(settings.warehouse_path, tr)
    if not args.files:
        return 0
    lists = keyword_lists(args.account)
    # A few files per worker at a time: concurrent, without holding every file in memory.
    chunk = 4 * tr.workers
    for i in range(0, len(args.files), chunk):
        names = args.files[i : i + chunk]
        found = [Path(f) for f in names if Path(f).is_file()]
        done = iter(tr.transcribe_many([(p.read_bytes(), p.name) for p in found]))
        for f in names:
            if Path(f).is_file():
                r = tr.analyse_keywords(next(done), lists)
            else:
                r = CallResult(status="failed", reason="missing_file", model=spec.label)
            _print_result(f, r, args.json)
    return 0


def _prune(warehouse: str, tr) -> None:  # noqa: ANN001 - tr: Transcriber
    import duckdb

    from transcribe.cache import config_digest, prune_cache

    with duckdb.connect(warehouse) as con:
        n = prune_cache(con, config_digest(tr.spec, tr.options))
    print(f"transcript cache: deleted {n} entries of other configurations from {warehouse}")


def _print_result(f: str, r, as_json: bool) -> None:  # noqa: ANN001 - r: CallResult
    if as_json:
        out = {k: v for k, v in vars(r).items() if k not in ("segments", "segment_sentiments")}
        out["segments"] = [vars(seg) for seg in r.segments]
        print(json.dumps({"file": f, **out}))
        return
    print(f"\n{f}: {r.status}" + (f" ({r.reason})" if r.reason else ""))
    if r.status == "ok":
        print(
            f"  language={r.language} seconds={r.audio_seconds} outcome={r.outcome} "
            f"sentiment={r.sentiment_overall} ({r.sentiment_label}) "
            f"redactions={r.redaction_count}"
        )
        for line in (r.redacted_text or "").splitlines():
            print(f"  {line}")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "transcribe",
        help="transcribe audio files (redacted) or, with no file, prepare and show the model",
        description=__doc__,
    )
    p.add_argument("files", nargs="*", help="audio files (wav, mp3, flac, ...)")
    p.add_argument("--json", action="store_true", help="one JSON object per file")
    p.add_argument("--account", help="account_id whose keyword lists to use")
    p.add_argument(
        "--prune-cache",
        action="store_true",
        help="delete transcript-cache entries made with another model, option or code version "
        "from the warehouse (CALLTRACK_WAREHOUSE)",
    )
    p.set_defaults(func=cmd_transcribe)
