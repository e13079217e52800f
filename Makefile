# The two commands: `make run` (local portal) and `make test` (every test). Both install what they need.
# Prerequisites (not installed here): Python 3.11, Node 20 with npm, make, git. `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 3000

# Debian packages the e2e tests and the bench need, as <file>:<package> (Debian's Chromium, since
# Playwright's own browser download is not possible here). `make system`, run first by test and bench,
# installs the missing ones as root and otherwise stops with the command to run; nothing when all are there.
CHROMIUM ?= /usr/bin/chromium
FONT ?= /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
SYSTEM_PACKAGES := $(CHROMIUM):chromium $(FONT):fonts-dejavu-core

missing_packages = $(strip $(foreach dep,$(SYSTEM_PACKAGES),$(if $(wildcard $(firstword $(subst :, ,$(dep)))),,$(lastword $(subst :, ,$(dep))))))
install_hint = missing Debian packages: run  sudo apt-get install -y $(missing_packages)  then make $(or $(MAKECMDGOALS),system) again

.DEFAULT_GOAL := help
.PHONY: help system run test lint typecheck unit site openapi bench build validate clean

help: ## list the targets
	@awk -F ':.*## ' '/^[a-z]+:.*## /{printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# $(error) stops make with one line (and exit code 2) before any other recipe runs.
system: ## check Debian's Chromium and fonts for the e2e tests and the bench; install them if missing (root)
	$(if $(missing_packages),$(if $(filter 0,$(shell id -u)),,$(error $(install_hint))))
	$(if $(missing_packages),apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(missing_packages) >/dev/null,@:)

$(BIN)/.installed: requirements-dev.txt layers/common/requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

site: $(BIN)/.installed node_modules/.installed ## build the static site into build/site
	$(BIN)/python tools/build_site.py

run: site ## the local portal on http://127.0.0.1:3000 (PORT=… to change)
	PORT=$(PORT) $(BIN)/python -m localportal

lint: $(BIN)/.installed ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.installed ## mypy
	$(BIN)/mypy layers/common/cmi functions localportal ops tools

openapi: $(BIN)/.installed ## regenerate docs/openapi.json
	$(BIN)/python -m localportal.openapi > docs/openapi.json

test: system site lint typecheck ## every test: lint, types, unit, integration, e2e, template, fuzzing
	$(BIN)/pytest

bench: system site ## the benchmarks: markdown table, bench/results/latest.json
	$(BIN)/python -m bench

build: $(BIN)/.installed ## sam build into .aws-sam/build
	# The layer's Makefile runs python3.11: the one of .venv, whose pip knows the package index.
	PATH="$(CURDIR)/$(BIN):$$PATH" SAM_CLI_TELEMETRY=0 $(BIN)/sam build --build-dir .aws-sam/build

clean: ## remove build outputs and tool caches (keeps .venv and node_modules)
	rm -rf build .aws-sam .pytest_cache .mypy_cache .ruff_cache
