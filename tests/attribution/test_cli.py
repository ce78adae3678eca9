"""`calltrack attribute` (registered by pipelines.attribution.cli)."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from pipelines.attribution.cli import register

from .conftest import T0, RawBuilder, World


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="calltrack")
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_attribute_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wh = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(wh))
    w = World(RawBuilder(con))
    w.reference()
    w.raw.load("dni_beacons", [w.start("s1", T0), w.assign("s1", T0)])
    w.raw.load("call_events", [w.call("c", T0 + timedelta(minutes=1))])
    con.close()
    args = _parse(["attribute", "--warehouse", str(wh)])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "attribution full (first run)" in out and "1 matched" in out
    args = _parse(["attribute", "--warehouse", str(wh), "--full"])
    assert args.func(args) == 0
    assert "attribution full (requested)" in capsys.readouterr().out
    with duckdb.connect(str(wh), read_only=True) as c:
        assert c.execute("select count(*) from attribution.call_attribution").fetchone() == (1,)
