# calltrack — the two commands of the quick start are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DO_NOT_TRACK := 1

.PHONY: demo test lint format docs s3 dagster bench clips clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## make demo: generate a month of sample data and run the whole pipeline on embedded defaults
demo: $(STAMP)
	$(BIN)/calltrack demo

## make test: the whole test suite (unit, integration against real S3/dbt/Whisper/Chromium, end to end)
test: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadgroup -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd dbt_project && ../$(BIN)/sqlfluff lint models tests macros

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## make docs: build the dbt docs site (dbt_project/target/index.html)
docs: $(STAMP)
	$(BIN)/calltrack dbt docs

## make s3: run a local S3 server (SeaweedFS) on 127.0.0.1:8333 for trying the S3 landing zone
s3: $(STAMP)
	$(BIN)/calltrack s3

## make dagster: the Dagster UI on http://127.0.0.1:3000
dagster: $(STAMP)
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clips: $(STAMP)
	$(BIN)/python -m transcribe.clips build

clean:
	rm -rf data .pytest_cache dbt_project/target dbt_project/logs
