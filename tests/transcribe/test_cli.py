"""`calltrack transcribe` through the real CLI parser (real model, one short clip)."""

import json

import pytest

from pipelines.cli import build_parser
from transcribe.cliplib import load_manifest

pytestmark = pytest.mark.xdist_group("whisper")


def test_transcribe_files_as_json(whisper_cache, monkeypatch, capsys, tmp_path) -> None:  # noqa: ANN001
    monkeypatch.setenv("CALLTRACK_WHISPER_CACHE", str(whisper_cache))
    monkeypatch.setenv("CALLTRACK_WHISPER_DEVICE", "cpu")
    clip = next(c for c in load_manifest() if c.clip_id == "spam_03")
    args = build_parser().parse_args(
        ["transcribe", "--json", str(clip.path), str(tmp_path / "missing.wav")]
    )
    assert args.func(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("model: ") and "whisper-base/int8" in lines[0]
    first, second = (json.loads(line) for line in lines[1:])
    assert (first["status"], first["outcome"], first["language"]) == ("ok", "spam", "en")
    assert first["segments"] and first["segments"][0]["speaker"] == "unknown"
    assert (second["status"], second["reason"]) == ("failed", "missing_file")


def test_transcribe_several_files_concurrently_in_order(
    whisper_cache, monkeypatch, capsys, tmp_path
) -> None:  # noqa: ANN001, E501
    monkeypatch.setenv("CALLTRACK_WHISPER_CACHE", str(whisper_cache))
    monkeypatch.setenv("CALLTRACK_WHISPER_DEVICE", "cpu")
    monkeypatch.setenv("CALLTRACK_WHISPER_WORKERS", "2")
    clips = {c.clip_id: c for c in load_manifest()}
    spam, missing = clips["spam_03"], tmp_path / "missing.wav"
    other = next(c for c in clips.values() if c.intent != "spam" and c.channels == 1)
    files = [str(spam.path), str(missing), str(other.path)]
    args = build_parser().parse_args(["transcribe", "--json", *files])
    assert args.func(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "2 at a time" in lines[0]
    got = [json.loads(line) for line in lines[1:]]
    assert [g["file"] for g in got] == files
    assert [g["status"] for g in got] == ["ok", "failed", "ok"]
    assert got[0]["outcome"] == "spam" and got[2]["outcome"] != "spam"


def test_prune_cache_keeps_only_the_current_configuration(
    whisper_cache, monkeypatch, capsys, tmp_path
) -> None:  # noqa: ANN001
    import duckdb

    from pipelines.settings import Settings
    from transcribe.cache import config_digest
    from transcribe.tables import ensure_tables
    from transcribe.transcriber import build_transcriber

    warehouse = tmp_path / "w.duckdb"
    monkeypatch.setenv("CALLTRACK_WHISPER_CACHE", str(whisper_cache))
    monkeypatch.setenv("CALLTRACK_WHISPER_DEVICE", "cpu")
    monkeypatch.setenv("CALLTRACK_WAREHOUSE", str(warehouse))
    tr = build_transcriber(Settings.from_env())
    current = config_digest(tr.spec, tr.options)
    with duckdb.connect(str(warehouse)) as con:
        ensure_tables(con)
        for digest in (current, "0" * 64, "1" * 64):
            con.execute(
                "insert into transcripts.transcript_cache"
                " (cache_key, audio_sha256, config_digest, status) values ($k, 'abc', $d, 'ok')",
                {"k": f"abc:{digest}", "d": digest},
            )
    args = build_parser().parse_args(["transcribe", "--prune-cache"])
    assert args.func(args) == 0
    assert "deleted 2 entries" in capsys.readouterr().out
    with duckdb.connect(str(warehouse)) as con:
        left = con.execute("select config_digest from transcripts.transcript_cache").fetchall()
    assert left == [(current,)]
