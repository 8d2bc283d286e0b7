# UANL Service Desk API — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	>/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# One process by default. The suite collects and runs under pytest-xdist
# (PYTEST_XDIST='-n 2 --dist loadgroup'; tests/xdist_groups.py keeps the tests that share the
# machine's Redis in one worker): 274 s instead of ~490 s here, but one two-worker run in four
# crashed a worker (docs/testing.md, "In parallel").
PYTEST_XDIST ?=

.PHONY: run test install install-dev lint typecheck bench clean help

help:
	@echo "make run    - install, migrate, load demo data, serve API + worker + beat on :$(PORT)"
	@echo "make test   - install with dev extras and run the whole suite (SQLite + PostgreSQL)"
	@echo "make lint   - ruff;  make typecheck - mypy"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python >= 3.11 is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/uanl db upgrade
	$(BIN)/uanl seed-demo
	@$(BIN)/uanl demo-credentials
	@echo "Serving on http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/v1/docs)"
	$(BIN)/uanl serve --host $(HOST) --port $(PORT) --with-worker

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install-dev
	$(BIN)/mypy src/uanl

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache build *.egg-info src/*.egg-info
