"""The landing-zone simulator (see `ingest/simulate/README` in the module docstrings)."""
