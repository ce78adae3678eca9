"""The landing zone on a real local S3 server (SeaweedFS): loading, the server dying mid-run,
and the Dagster assets, sensor and runner against it. No mocks."""

import datetime as dt
import uuid
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ingest import synth
from ingest.landing import LandingReadError, LocalLanding, S3Landing
from ingest.load import invariant_violations, load_landing, table_hashes
from ingest.s3server import S3Server
from pipelines.landing.assets import RAW_ASSETS
from pipelines.landing.checks import CHECKSUM_CHECK, INVARIANT_CHECK
from pipelines.landing.definitions import defs as landing_defs
from pipelines.landing.sensors import plan_runs
from pipelines.resources import CalltrackSettings, build_resources
from pipelines.runner import run_pipeline
from pipelines.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("s3")]

D1, D2 = dt.date(2026, 10, 1), dt.date(2026, 10, 2)


def _local_landing(root: Path, files: int = 8) -> Path:
    for i in range(files):
        day = (D1, D2)[i % 2]
        synth.write(synth.beacons(i * 200, 200, day), root, "dni_beacons", day, f"b{i:02d}")
    synth.write(synth.call_events(0, 120, D1), root, "call_events", D1, "c0")
    (root / "call_events" / "dt=2026-10-02").mkdir(parents=True, exist_ok=True)
    (root / "call_events" / "dt=2026-10-02" / "corrupt.parquet").write_bytes(b"nope")
    return root


def _s3(server: S3Server, prefix: str, **kwargs: object) -> S3Landing:
    bucket = "landing-tests"
    server.create_bucket(bucket)
    return S3Landing(
        f"s3://{bucket}/{prefix}",
        endpoint_url=server.endpoint_url,
        access_key_id=server.access_key,
        secret_access_key=server.secret_key,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def uploaded(s3_server: S3Server, tmp_path: Path) -> tuple[Path, S3Landing]:
    local = _local_landing(tmp_path / "landing")
    s3 = _s3(s3_server, f"run-{uuid.uuid4().hex[:8]}")
    assert s3.upload_dir(local) == 10
    return local, s3


def test_s3_load_equals_local_load(uploaded: tuple[Path, S3Landing], tmp_path: Path) -> None:
    local, s3 = uploaded
    a = duckdb.connect(str(tmp_path / "local.duckdb"))
    load_landing(a, LocalLanding(local))
    b = duckdb.connect(str(tmp_path / "s3.duckdb"))
    report = load_landing(b, s3)
    assert report.corrupt_files == ["call_events/dt=2026-10-02/corrupt.parquet"]
    assert table_hashes(b) == table_hashes(a)
    # S3 checksums are ETags; rerunning against S3 loads nothing
    assert load_landing(b, s3).files == []


class _DyingLanding(S3Landing):
    """Reads normally, then stops the real server before the read of file number `die_at`."""

    def __init__(self, server: S3Server, die_at: int, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.server, self.die_at, self.reads = server, die_at, 0

    def read_bytes(self, key: str) -> tuple[bytes, str]:
        self.reads += 1
        if self.reads == self.die_at:
            self.server.stop()
        return super().read_bytes(key)


def test_server_stops_mid_run_then_rerun_loses_and_doubles_nothing(
    uploaded: tuple[Path, S3Landing], s3_server: S3Server, tmp_path: Path
) -> None:
    local, s3 = uploaded
    clean = duckdb.connect(str(tmp_path / "clean.duckdb"))
    load_landing(clean, LocalLanding(local), batch_bytes=1)
    expected = table_hashes(clean, load_ids=False)

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    dying = _DyingLanding(
        s3_server,
        die_at=5,
        uri=s3.uri,
        endpoint_url=s3_server.endpoint_url,
        access_key_id=s3_server.access_key,
        secret_access_key=s3_server.secret_key,
        max_attempts=2,
        connect_timeout=1,
    )
    try:
        with pytest.raises(LandingReadError) as failure:
            load_landing(con, dying, batch_bytes=1)
    finally:
        s3_server.start()
    message = str(failure.value)
    assert s3.uri in message and ".parquet" in message  # the file it was reading
    partial = con.execute("select count(*) from raw._loaded_files").fetchone()[0]
    assert 0 < partial < 10
    load_landing(con, s3, batch_bytes=1)
    assert table_hashes(con, load_ids=False) == expected
    assert invariant_violations(con) == []


@pytest.fixture
def s3_env(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in s3_server.env().items():
        monkeypatch.setenv(k, v)


def test_dagster_assets_against_s3(
    uploaded: tuple[Path, S3Landing], s3_env: None, tmp_path: Path
) -> None:
    _, s3 = uploaded
    warehouse = tmp_path / "dagster.duckdb"
    settings = CalltrackSettings(landing_uri=s3.uri, warehouse_path=str(warehouse))
    resources = build_resources(settings)
    instance = dg.DagsterInstance.ephemeral()

    # `calltrack run`: the runner finds the arrival days on S3 and runs each partition
    summary = run_pipeline(
        Settings.from_env(landing_uri=s3.uri, warehouse_path=str(warehouse)),
        defs=dg.Definitions.merge(landing_defs, dg.Definitions(resources=resources)),
        instance=instance,
        log=lambda _: None,
    )
    assert summary.runs == 2 and not summary.failed
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.dni_beacons").fetchone()[0] == 1600
        assert con.execute("select count(*) from raw.call_events").fetchone()[0] == 120
        assert (
            con.execute(
                "select count(*) from quarantine.call_events where reason_code = 'corrupt_file'"
            ).fetchone()[0]
            == 1
        )

    # rewrite a loaded file on S3: the checksum check fails and names it; nothing reloads
    key = "dni_beacons/dt=2026-10-02/b01.parquet"
    synth.write(synth.beacons(10_000, 5, D2), tmp_path / "x", "dni_beacons", D2, "b01")
    s3.client.upload_file(str(tmp_path / "x" / key), s3.bucket, f"{s3.prefix}/{key}")
    beacons = dg.AssetKey(["raw", "dni_beacons"])
    result = dg.materialize(
        RAW_ASSETS,
        selection=[beacons],
        partition_key="2026-10-02",
        resources=resources,
        instance=instance,
    )
    assert result.success  # flagged, not blocking: the loaded data is still consistent
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["rows_read"].value == 0 and metadata["files_skipped"].value == 3
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(evaluations) == {INVARIANT_CHECK, CHECKSUM_CHECK}
    assert evaluations[INVARIANT_CHECK].passed
    assert not evaluations[CHECKSUM_CHECK].passed
    assert evaluations[CHECKSUM_CHECK].metadata["changed_files"].value == [key]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.dni_beacons").fetchone()[0] == 1600


def test_sensor_requests_each_file_once(uploaded: tuple[Path, S3Landing]) -> None:
    _, s3 = uploaded
    files = s3.list_files()
    runs, cursor = plan_runs(files, None)
    assert [r.partition_key for r in runs] == ["2026-10-01", "2026-10-02"]
    assert sum(len(r.files) for r in runs) == 10
    assert set(runs[0].feeds) == {"call_events", "dni_beacons"}
    # nothing new: nothing requested
    assert plan_runs(files, cursor)[0] == []
    # a new file on one day: one run, only that file, a new run_key
    s3.client.put_object(
        Bucket=s3.bucket, Key=f"{s3.prefix}/dni_beacons/dt=2026-10-02/zz.parquet", Body=b"x"
    )
    again, cursor2 = plan_runs(s3.list_files(), cursor)
    assert [(r.partition_key, r.files) for r in again] == [
        ("2026-10-02", ("dni_beacons/dt=2026-10-02/zz.parquet",))
    ]
    assert again[0].run_key not in {r.run_key for r in runs}
    assert plan_runs(s3.list_files(), cursor2)[0] == []


def test_sensor_evaluates_in_dagster(uploaded: tuple[Path, S3Landing], s3_env: None) -> None:
    _, s3 = uploaded
    settings = CalltrackSettings(landing_uri=s3.uri)
    defs = dg.Definitions.merge(landing_defs, dg.Definitions(resources=build_resources(settings)))
    sensor = defs.resolve_sensor_def("landing_new_files")
    result = sensor(dg.build_sensor_context(resources={"settings": settings}, definitions=defs))
    keys = sorted(r.partition_key for r in result.run_requests)
    assert keys == ["2026-10-01", "2026-10-02"]
    assert len({r.run_key for r in result.run_requests}) == 2
