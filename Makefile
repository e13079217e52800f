# The two commands: `make run` (local portal) and `make test` (every test). Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 3000

.PHONY: run test lint typecheck unit site openapi bench build validate clean

$(BIN)/.installed: requirements-dev.txt layers/common/requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

site: $(BIN)/.installed node_modules/.installed
	$(BIN)/python tools/build_site.py

run: site
	PORT=$(PORT) $(BIN)/python -m localportal

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.installed
	$(BIN)/mypy layers/common/cmi functions localportal ops tools

openapi: $(BIN)/.installed
	$(BIN)/python -m tools.openapi > docs/openapi.json

test: site lint typecheck
	$(BIN)/pytest

bench: site
	$(BIN)/python -m bench

build: $(BIN)/.installed
	SAM_CLI_TELEMETRY=0 $(BIN)/sam build --build-dir .aws-sam/build

clean:
	rm -rf build .aws-sam .pytest_cache .mypy_cache .ruff_cache
