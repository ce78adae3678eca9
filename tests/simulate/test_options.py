"""Options, errors, the CLI and the volumes of each scale."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from ingest.simulate import ClipLibraryMissing, MessRates, read_truth, simulate
from ingest.simulate.profiles import SCALES
from pipelines.cli import main

pytestmark = pytest.mark.xdist_group("simulate")


def test_missing_clip_library_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ClipLibraryMissing, match="--no-recordings"):
        simulate(tmp_path / "a", days=1, scale="small", clips_dir=tmp_path / "no-clips")
    summary = simulate(
        tmp_path / "b",
        days=1,
        scale="small",
        recordings=False,
        clips_dir=tmp_path / "no-clips",
        mess=MessRates.clean(),
    )
    assert summary.recordings == 0 and summary.calls > 0
    assert not (tmp_path / "b" / "recordings").exists()
    events = duckdb.sql(
        f"select count(*) from '{tmp_path / 'b'}/call_events/*/*.parquet' "
        "where event_type = 'call.recording_ready' and recording_uri not like '%..%'"
    ).fetchone()[0]
    assert events == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"days": 0}, "days"),  # nothing to simulate
        ({"scale": "huge"}, "scale"),  # only the three named scales exist
    ],
)
def test_bad_arguments(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        simulate(tmp_path, **({"days": 1, "scale": "small"} | kwargs))


def test_rates_are_validated() -> None:
    with pytest.raises(ValueError, match="late_rate"):
        MessRates(late_rate=0.9)


def test_cli_simulate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "landing"
    argv = ["simulate", "--out", str(out), "--scale", "small", "--days", "1", "--seed", "5"]
    rc = main([*argv, "--start", "2026-11-01", "--clean", "--no-recordings", "--plain-names"])
    assert rc == 0
    assert "calls" in capsys.readouterr().out
    assert (out / "accounts" / "dt=2026-11-01").is_dir()
    truth = read_truth(out)
    assert truth.summary["start"] == "2026-11-01" and truth.summary["seed"] == 5
    assert truth.messy["corrupt_file"] is None
    names = duckdb.sql(
        f"select distinct campaign_name from '{out}/ad_spend/*/*.parquet'"
    ).fetchall()
    assert names and all(n.isascii() and "<" not in n and '"' not in n for (n,) in names)


def test_cli_rates_reach_the_simulator(tmp_path: Path) -> None:
    argv = ["simulate", "--out", str(tmp_path), "--scale", "small", "--days", "1"]
    assert main([*argv, "--late-rate", "0", "--duplicate-rate", "0.2", "--no-recordings"]) == 0
    messy = read_truth(tmp_path).messy
    assert messy["rates"]["duplicate_rate"] == 0.2
    assert sum(messy["late_events"].values()) == 0
    assert messy["natural_duplicates"]["dni_beacons"] > 0.1 * 5000


@pytest.mark.slow
@pytest.mark.parametrize(
    ("scale", "days", "beacons", "calls"),
    [
        # a month of the demo: a few hundred thousand beacons, thousands of calls
        ("medium", 2, (150_000, 800_000), (2_000, 20_000)),
        # a month of the benchmark: >= 10M beacons and >= 1M calls
        ("large", 1, (10_000_000, 40_000_000), (1_000_000, 5_000_000)),
    ],
)
def test_scale_volumes_per_month(tmp_path: Path, scale: str, days: int, beacons, calls) -> None:  # noqa: ANN001
    # Extrapolated from the first days (a Thursday start: weekly factor 1.0 against a weekly
    # mean of ~0.91), so a month is estimated conservatively.
    s = simulate(tmp_path, days=days, scale=scale, start=dt.date(2026, 10, 1), recordings=False)
    month = 30 / days * 0.9
    assert beacons[0] <= s.beacons * month <= beacons[1]
    assert calls[0] <= s.calls * month <= calls[1]
    # recordings: capped for the test scale, off for the benchmark's
    assert SCALES["small"].recording_cap <= 100 and SCALES["large"].recording_cap == 0


def test_rerun_replaces_an_earlier_simulation_only(tmp_path: Path) -> None:
    kwargs = dict(scale="small", recordings=False, mess=MessRates.clean())
    simulate(tmp_path / "z", days=3, **kwargs)
    simulate(tmp_path / "z", days=1, **kwargs)  # a shorter rerun leaves no stale days behind
    simulate(tmp_path / "fresh", days=1, **kwargs)

    def files(root: Path) -> list[str]:
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())

    assert files(tmp_path / "z") == files(tmp_path / "fresh")
    foreign = tmp_path / "foreign"
    (foreign / "call_events" / "dt=2026-10-01").mkdir(parents=True)
    with pytest.raises(FileExistsError, match="did not write"):
        simulate(foreign, days=1, **kwargs)
    assert (foreign / "call_events" / "dt=2026-10-01").is_dir()
