# Yiwang — the two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test contract-long install install-test system-packages migrate lint format typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# The Debian packages the tests need (scripts/system-packages): installed when run as root,
# otherwise one line naming the missing ones and a stop.
system-packages:
	@scripts/ensure-system-packages

migrate: install
	$(BIN)/yiwang migrate --noinput -v0

# Install, migrate, seed the demo county, then serve on $(HOST):$(PORT) with a task worker.
demo: migrate
	$(BIN)/yiwang demo
	@echo "启动服务与后台任务进程（Ctrl+C 停止）……"
	@trap 'kill 0' INT TERM EXIT; \
	  $(BIN)/yiwang worker & \
	  $(BIN)/yiwang serve --bind $(HOST):$(PORT)

# The whole suite: unit, API, contract and browser tests. DATABASE_URL selects PostgreSQL.
test: system-packages install-test
	$(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

# The long API contract run (docs/api.md): schemathesis, all checks, positive and negative data,
# four roles, 15 examples per operation — several thousand cases, a few minutes.
contract-long: install-test
	YIWANG_CONTRACT_LONG=1 $(BIN)/pytest -p no:cacheprovider tests/api/test_contract.py $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: install-test
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

typecheck: install-test
	$(BIN)/mypy

bench: install-test
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) var build *.egg-info src/*.egg-info
