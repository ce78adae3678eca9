"""Shared fixtures. Integration fixtures (S3 server, warehouse, simulated landing zones) live in
the test modules' own conftest sections or in tests/fixtures/."""

import os

os.environ.setdefault("DO_NOT_TRACK", "1")
