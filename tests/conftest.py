"""Shared fixtures. Integration fixtures (S3 server, warehouse, simulated landing zones) live in
the test modules' own conftest sections or in tests/fixtures/."""

import os

os.environ.setdefault("DO_NOT_TRACK", "1")


# --- landing (issue 3): a real local S3 server -------------------------------------------
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """A real SeaweedFS S3 server on 127.0.0.1 (free ports, data in a temp dir), started once
    per session (per xdist worker) and stopped at the end. `.env()` gives the AWS variables;
    `.stop()` / `.start()` restart it on the same ports and data (fault tests)."""
    from ingest.s3server import S3Server

    server = S3Server(tmp_path_factory.mktemp("seaweedfs")).start()
    try:
        yield server
    finally:
        server.stop()


# --- simulator (issue 2): a small simulated landing zone and its ground truth -------------
SMALL_LANDING_SEED = 7
SMALL_LANDING_DAYS = 7


@pytest.fixture(scope="session")
def small_landing(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """Path to a small-scale landing zone (4 accounts, 7 days from 2026-10-01, seed 7, default
    mess, up to 20 recordings), generated once per session (per xdist worker) in a few seconds.
    Read-only: copy it before changing anything. Its truth is in `_truth/` (`simulation_truth`)."""
    from ingest.simulate import simulate

    out = tmp_path_factory.mktemp("small_landing") / "landing"
    simulate(out, days=SMALL_LANDING_DAYS, seed=SMALL_LANDING_SEED, scale="small")
    return out


@pytest.fixture(scope="session")
def simulation_truth(small_landing):  # noqa: ANN001, ANN201
    """Ground truth of `small_landing` (`ingest.simulate.truth.Truth`: calls, sessions,
    conversions, ad_spend tables; messy, accounts, summary dicts)."""
    from ingest.simulate import read_truth

    return read_truth(small_landing)


# --- landing (issue 3): the small simulated landing zone, ingested -----------------------
@pytest.fixture(scope="session")
def loaded_warehouse(small_landing, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN001, ANN201
    """Path to a DuckDB warehouse with `small_landing` ingested into raw.* / quarantine.*
    (`ingest.load.load_landing`), built once per session (per xdist worker). Read-only: copy
    the file before writing to it."""
    from ingest.load import load_landing

    path = tmp_path_factory.mktemp("loaded_warehouse") / "warehouse.duckdb"
    load_landing(path, small_landing)
    return path


# --- attribution (issue 4): the small simulated landing zone, ingested and attributed -----
ATTRIBUTION_TEST_SECRET = "attribution-test-secret"


@pytest.fixture(scope="session")
def attributed_warehouse(loaded_warehouse, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN001, ANN201
    """Path to a copy of `loaded_warehouse` with the attribution tables built
    (`run_attribution`, caller keys under ATTRIBUTION_TEST_SECRET), once per session (per xdist
    worker). Read-only: copy the file before writing to it."""
    import shutil

    import duckdb

    from pipelines.attribution.engine import run_attribution

    path = tmp_path_factory.mktemp("attributed_warehouse") / "warehouse.duckdb"
    shutil.copy(loaded_warehouse, path)
    with duckdb.connect(str(path)) as con:
        run_attribution(con, ATTRIBUTION_TEST_SECRET)
    return path
