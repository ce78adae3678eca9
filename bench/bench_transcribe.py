"""Transcription throughput: calltrack's configuration vs faster-whisper's defaults.

Same model files (Whisper base, assembled from the PyPI packages), same clips (the clip
library), same run. Each configuration runs in its own subprocess so peak RSS is its own.

- calltrack: `transcribe.transcriber.Transcriber` as the pipeline runs it (int8, one thread per
  core, Silero VAD, fit windows encoded once, beam 5, no conditioning on previous text,
  dual-channel downmix labelled by channel energy, redaction and analysis included).
  `--stereo split --beam N --window full --compute-type T --threads N` try the alternatives.
- greedy: the same with beam 1 (`CALLTRACK_WHISPER_BEAM_SIZE=1`).
- defaults: `WhisperModel(path)` and `model.transcribe(file)` with nothing changed (compute type
  "default" = the model's own float type, default threads, beam 5, no VAD, no batching).

WER is scored on redacted text on both sides (the defaults' output is redacted with the same
redactor first), after the same normalisation the tests use.

    .venv/bin/python bench/bench_transcribe.py [--clips N] [--configs calltrack,greedy,defaults]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _worker(
    config: str,
    n_clips: int,
    cache: str,
    stereo: str = "split",
    beam: int = 1,
    only: str = "",
    window: str = "fit",
    compute_type: str = "int8",
    threads: int = 0,
    workers: int = 0,
) -> dict:
    from transcribe.cliplib import load_manifest
    from transcribe.model import resolve_model
    from transcribe.quality import wer
    from transcribe.redact import redact_text

    clips = load_manifest()[:n_clips]
    if only == "stereo":
        clips = [c for c in clips if c.channels == 2]
    spec = resolve_model("base", "cpu", compute_type, cache)
    refs, hyps, outcomes = [], [], []
    t_load = time.perf_counter()
    if config == "greedy":  # calltrack with beam 1 (CALLTRACK_WHISPER_BEAM_SIZE=1)
        config, beam = "calltrack", 1
    if config == "calltrack":
        from transcribe.transcriber import TranscribeOptions, Transcriber

        tr = Transcriber(
            spec,
            TranscribeOptions(
                stereo=stereo,
                beam_size=beam,
                window=window,
                cpu_threads=threads,
                num_workers=workers,
            ),
        )
        tr.model  # noqa: B018 - load before timing, like the defaults below
        load_s = time.perf_counter() - t_load
        cpu0, t0 = _cpu_s(), time.perf_counter()
        # As the pipeline does: a batch of calls, `tr.workers` of them at a time.
        results = tr.transcribe_many([(c.path.read_bytes(), c.file) for c in clips])
        for c, r in zip(clips, results, strict=True):
            hyps.append(" ".join(s.text for s in r.segments))
            outcomes.append(r.outcome == c.intent)
    else:
        from faster_whisper import WhisperModel

        model = WhisperModel(str(spec.path))  # every other argument at its default
        load_s = time.perf_counter() - t_load
        cpu0, t0 = _cpu_s(), time.perf_counter()
        for c in clips:
            segments, _ = model.transcribe(str(c.path))
            hyps.append(redact_text(" ".join(s.text.strip() for s in segments))[0])
    wall, cpu = time.perf_counter() - t0, _cpu_s() - cpu0
    refs = [redact_text(c.reference_text)[0] for c in clips]
    audio = sum(c.seconds for c in clips)
    return {
        "config": config,
        "clips": len(clips),
        "audio_s": audio,
        "wall_s": wall,
        "cpu_s": cpu,
        "load_s": load_s,
        "x_realtime": audio / wall,
        "wer": wer(refs, hyps),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "outcome_accuracy": sum(outcomes) / len(outcomes) if outcomes else None,
    }


def _cpu_s() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--clips", type=int, default=24, help="first N clips of the library")
    p.add_argument("--cache", default=str(ROOT / "data" / "cache" / "whisper"))
    p.add_argument("--stereo", choices=["split", "mix"], default="mix", help="calltrack's mode")
    p.add_argument("--beam", type=int, default=5, help="calltrack's beam size")
    p.add_argument("--window", choices=["fit", "full"], default="fit", help="calltrack's window")
    p.add_argument("--compute-type", default="int8", help="calltrack's compute type")
    p.add_argument(
        "--threads", type=int, default=0, help="calltrack's threads per worker (0: auto)"
    )
    p.add_argument(
        "--workers", type=int, default=0, help="calltrack's concurrent calls (0: one per core)"
    )
    p.add_argument("--only", choices=["", "stereo"], default="", help="only dual-channel clips")
    p.add_argument(
        "--configs",
        default="calltrack,greedy,defaults",
        help="calltrack (--beam), greedy (calltrack with beam 1), defaults",
    )
    p.add_argument("--worker", choices=["calltrack", "greedy", "defaults"], help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        w = _worker(
            args.worker,
            args.clips,
            args.cache,
            args.stereo,
            args.beam,
            args.only,
            args.window,
            args.compute_type,
            args.threads,
            args.workers,
        )
        print(json.dumps(w))
        return 0
    from transcribe.model import ensure_packaged_model

    ensure_packaged_model(args.cache)  # assembled once, outside both timings
    rows = []
    for config in args.configs.split(","):
        out = subprocess.run(
            [sys.executable, __file__, "--worker", config, "--clips", str(args.clips)]
            + ["--cache", args.cache, "--stereo", args.stereo, "--beam", str(args.beam)]
            + ["--only", args.only, "--window", args.window]
            + ["--compute-type", args.compute_type, "--threads", str(args.threads)]
            + ["--workers", str(args.workers)],
            check=True,
            capture_output=True,
            text=True,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        row["name"] = config
        rows.append(row)
    print(
        f"{'config':<10} {'clips':>5} {'audio s':>8} {'wall s':>8} {'CPU s':>7} "
        f"{'x realtime':>10} {'WER':>6} {'peak RSS MB':>11}"
    )
    for r in rows:
        print(
            f"{r['name']:<10} {r['clips']:>5} {r['audio_s']:>8.1f} {r['wall_s']:>8.1f} "
            f"{r['cpu_s']:>7.1f} {r['x_realtime']:>10.1f} {r['wer']:>6.3f} "
            f"{r['peak_rss_mb']:>11.0f}"
        )
    for r in rows:
        if r["outcome_accuracy"] is not None:
            print(f"{r['name']} outcome accuracy: {r['outcome_accuracy']:.2f}")
    base = next((r for r in rows if r["name"] == "defaults"), None)
    if base is None:
        return 0
    for r in rows:
        if r is not base:
            print(
                f"{r['name']}/defaults throughput: {r['x_realtime'] / base['x_realtime']:.2f}x; "
                f"WER difference: {100 * (r['wer'] - base['wer']):+.1f} points"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
