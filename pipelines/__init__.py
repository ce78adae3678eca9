"""The Dagster code location of calltrack, and the `calltrack` CLI.

`definitions.py` is the single entry point; each domain folder (landing, attribution,
transcription, marts, scoring, dashboards) holds that domain's assets, checks, partitions,
schedules and sensors, calling into the plain packages `ingest`, `transcribe`, `models` and
`dashboards`.
"""
