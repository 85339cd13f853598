# Invoca admin — the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
SANDBOX_PORT ?= 8001
DESTINATIONS ?= 300

.PHONY: install demo serve test test-postgres lint format bench loadtest clean

# Idempotent: creates .venv with the pinned Python (see .python-version) and installs
# the project with its dev extras; re-runs only when pyproject.toml changed.
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Starts the sandbox, migrates, creates a demo login, syncs, and runs the dashboard
# and the task worker on http://127.0.0.1:$(PORT)/ until Ctrl-C.
demo: install
	$(PY) manage.py demo --port $(or $(PORT),8000) --sandbox-port $(SANDBOX_PORT) --destinations $(DESTINATIONS)

# Production mode from .env (or the environment): collectstatic, migrate, then gunicorn on
# $$HOST:$$PORT (default 127.0.0.1:8000) and a task worker, until Ctrl-C stops them all.
serve: install
	$(PY) manage.py serve

# The whole suite: unit, integration (sandbox over HTTP) and browser tests.
test: install
	$(PY) manage.py makemigrations --check --dry-run >/dev/null
	$(PY) -m pytest $(PYTEST_ARGS)

# The same suite against a throw-away PostgreSQL server on loopback.
test-postgres: install
	bin/with-postgres $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	@! git grep -nE '^(<<<<<<<|>>>>>>>)( |$$)' -- . || { echo 'merge conflict markers left (above)'; exit 1; }

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Every benchmark of bench/RESULTS.md, each against its baseline in the same run (about
# two hours on 2 cores, one benchmark at a time: a loaded machine makes the figures noise).
bench: install
	$(PY) bench/sync_bench.py --sizes 100000,1000000
	bin/with-postgres $(PY) bench/sync_bench.py --sizes 100000,1000000
	$(PY) bench/list_bench.py --destinations 100000
	bin/with-postgres $(PY) bench/list_bench.py --destinations 1000000
	$(PY) bench/export_bench.py --destinations 100000
	$(PY) bench/bulk_bench.py --destinations 10000 100000
	$(PY) bench/preferences_bench.py
	$(MAKE) loadtest

# Production mode (gunicorn + worker) on a throw-away PostgreSQL, 50 simulated users for
# 60 s quiet and 60 s while syncs run; loopback only, bounded (see bench/loadtest.py).
loadtest: install
	bin/with-postgres $(PY) bench/loadtest.py $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
