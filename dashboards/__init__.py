"""Leadership dashboards: static HTML built from the warehouse's marts (no Dagster here)."""

from dashboards.build import build_dashboards

__all__ = ["build_dashboards"]
