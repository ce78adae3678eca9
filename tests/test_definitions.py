"""The code location loads and every job resolves."""

import dagster as dg

from pipelines.definitions import defs


def test_definitions_load() -> None:
    dg.Definitions.validate_loadable(defs)


def test_every_job_resolves() -> None:
    repo = defs.get_repository_def()
    for job in repo.get_all_jobs():
        assert job.name
