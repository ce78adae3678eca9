"""`calltrack transcribe`: transcribe audio files with the pipeline's model and redaction, or
prepare the model (no warehouse needed; handy to try a model folder or a GPU)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def cmd_transcribe(args: argparse.Namespace) -> int:
    from pipelines.settings import Settings
    from transcribe.intel import keyword_lists
    from transcribe.model import resolve_model
    from transcribe.transcriber import CallResult, Transcriber

    s = Settings.from_env()
    spec = resolve_model(
        s.whisper_model, s.whisper_device, s.whisper_compute_type, s.whisper_cache_dir
    )
    print(f"model: {spec.path} ({spec.label} on {spec.device})")
    if not args.files:
        return 0
    tr = Transcriber(spec)
    lists = keyword_lists(args.account)
    for f in args.files:
        path = Path(f)
        if path.is_file():
            r = tr.analyse_keywords(tr.transcribe(path.read_bytes(), path.name), lists)
        else:
            r = CallResult(status="failed", reason="missing_file", model=spec.label)
        if args.json:
            out = {k: v for k, v in vars(r).items() if k not in ("segments", "segment_sentiments")}
            out["segments"] = [vars(seg) for seg in r.segments]
            print(json.dumps({"file": f, **out}))
            continue
        print(f"\n{f}: {r.status}" + (f" ({r.reason})" if r.reason else ""))
        if r.status == "ok":
            print(
                f"  language={r.language} seconds={r.audio_seconds} outcome={r.outcome} "
                f"sentiment={r.sentiment_overall} ({r.sentiment_label}) "
                f"redactions={r.redaction_count}"
            )
            for line in (r.redacted_text or "").splitlines():
                print(f"  {line}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "transcribe",
        help="transcribe audio files (redacted) or, with no file, prepare and show the model",
        description=__doc__,
    )
    p.add_argument("files", nargs="*", help="audio files (wav, mp3, flac, ...)")
    p.add_argument("--json", action="store_true", help="one JSON object per file")
    p.add_argument("--account", help="account_id whose keyword lists to use")
    p.set_defaults(func=cmd_transcribe)
