# Yiwang — the two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test contract-long screenshots install install-test lock messages system-packages migrate lint format\
	typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Dependencies come from the lock files (requirements/*.txt, pinned with hashes; docs/adr/0010),
# then the project itself without resolving anything again.
$(VENV)/.installed: $(BIN)/python pyproject.toml requirements/runtime.txt
	$(PIP) install --quiet --require-hashes -r requirements/runtime.txt
	$(PIP) install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements/test.txt
	$(PIP) install --quiet --require-hashes -r requirements/test.txt
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# Regenerate the lock files from pyproject.toml with uv (docs/adr/0010-lock-file.md): Linux,
# Python 3.11, hashes of PyPI's files whatever this machine's pip configuration says. Pins already
# in the files are kept; `make lock UPGRADE=1` moves every pin to the newest allowed release.
UV_VERSION := 0.13.8
UV_COMPILE = $(BIN)/uv pip compile --no-config --index-url https://pypi.org/simple \
	--python-version 3.11 --python-platform x86_64-manylinux_2_28 --generate-hashes \
	--annotation-style line --custom-compile-command 'make lock' --quiet $(if $(UPGRADE),--upgrade)
lock: $(BIN)/python
	$(PIP) install --quiet 'uv==$(UV_VERSION)'
	$(UV_COMPILE) -o requirements/runtime.txt pyproject.toml
	$(UV_COMPILE) --extra test -c requirements/runtime.txt -o requirements/test.txt pyproject.toml

# The English catalogue (src/yiwang/locale/en): collect the marked strings, keep existing
# translations, compile. Translate what is new in django.po, then run it again.
messages: install
	cd src/yiwang && ../../$(BIN)/yiwang makemessages -l en --no-obsolete --add-location=file
	cd src/yiwang && ../../$(BIN)/yiwang compilemessages -l en

# The Debian packages the tests need (scripts/system-packages): installed when run as root,
# otherwise one line naming the missing ones and a stop.
system-packages:
	@scripts/ensure-system-packages

migrate: install
	$(BIN)/yiwang migrate --noinput -v0

# Install, migrate, seed the demo county, then serve on $(HOST):$(PORT) with a task worker while
# the simulated half year (demo.simulation, once) fills in behind it in a process of its own.
demo: migrate
	$(BIN)/yiwang demo
	@echo "启动服务与后台任务进程（Ctrl+C 停止）……"
	@trap 'kill 0' INT TERM EXIT; \
	  $(BIN)/yiwang worker & \
	  $(BIN)/yiwang demo --simulate --quiet & \
	  $(BIN)/yiwang serve --bind $(HOST):$(PORT)

# The whole suite: unit, API, contract and browser tests. DATABASE_URL selects PostgreSQL.
test: system-packages install-test
	$(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

# The README's screenshots (docs/img/*.png): the browser tests marked skip_allowed("screenshots"),
# which the suite skips.
screenshots: system-packages install-test
	YIWANG_SCREENSHOTS=1 $(BIN)/pytest -p no:cacheprovider -k screenshot \
	  tests/portal/test_browser.py tests/workbench/test_browser.py $(PYTEST_ARGS)

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
