"""Landing zone to raw tables: the contract, the simulator, validation and loading.

Plain Python (no Dagster): the assets in `pipelines/ingest/` call into it.
"""
