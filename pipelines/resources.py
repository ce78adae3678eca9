"""Resources shared by every domain: the settings and the DuckDB warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from ingest.warehouse import configure_s3, connect
from pipelines.settings import Settings


class CalltrackSettings(dg.ConfigurableResource):
    """Settings resource. Unset fields fall back to the environment, then to embedded defaults
    (see `pipelines/settings.py`); the CLI sets fields from its flags."""

    landing_uri: str | None = None
    warehouse_path: str | None = None
    dashboards_dir: str | None = None
    exports_dir: str | None = None
    models_dir: str | None = None

    def get(self) -> Settings:
        return Settings.from_env(
            landing_uri=self.landing_uri,
            warehouse_path=self.warehouse_path,
            dashboards_dir=self.dashboards_dir,
            exports_dir=self.exports_dir,
            models_dir=self.models_dir,
        )


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse file, with S3 access configured when the landing zone is on S3."""

    settings: CalltrackSettings

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        s = self.settings.get()
        con = connect(s.warehouse_path, read_only=read_only)
        try:
            if s.landing_is_s3:
                configure_s3(
                    con,
                    endpoint_url=s.s3_endpoint_url,
                    region=s.s3_region,
                    access_key_id=s.aws_access_key_id,
                    secret_access_key=s.aws_secret_access_key,
                )
            yield con
        finally:
            con.close()


def build_resources(settings: CalltrackSettings | None = None) -> dict[str, object]:
    settings = settings or CalltrackSettings()
    return {"settings": settings, "warehouse": Warehouse(settings=settings)}
