# Two commands on a fresh machine: `make run` and `make test`. Only Python 3.11+ is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite runs across both cores (pytest-xdist); `make test PYTEST_ARGS=` runs it in one process.
PYTEST_ARGS ?= -n 2

.PHONY: run test test-browser lint format setup migrate seed clean bench bench-exports bench-reports bench-scale vendor-govuk vendor-axe

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# Beside the web server: the task worker (sending notifications, running the timer jobs; the database
# backend, no extra service) and the scheduler that queues the timer jobs when due (no cron). When the
# web server stops (Ctrl-C stops all three) the other two are stopped too.
run: seed
	$(BIN)/python manage.py db_worker --no-reload --interval 2 & worker=$$!; \
	$(BIN)/python manage.py run_scheduler & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The browser tests (tests/browser/) run in `make test` too when Debian's Chromium is installed
# (apt-get install chromium), and are skipped with a message when it is not. Screenshots of every page
# they reach go to tests/browser/screenshots/ (not committed).
# The browser tests run in a second pytest: their live server needs committed data, so each ends
# by emptying the database, which the rest of the suite must never see. (Exit code 5: `-k` chose
# none of them.)
test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS) --ignore=tests/browser
	$(BIN)/python -m pytest $(PYTEST_ARGS) tests/browser || [ $$? -eq 5 ]

test-browser: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS) -rA tests/browser

# The checks CI runs beside the suite: lint and format (ruff), the layers (import-linter) and
# no model change without its migration.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup
	$(BIN)/python bench/workflow_step.py

bench-exports: setup
	$(BIN)/python bench/export_memory.py

# The report pages' server time on the database DATABASE_URL names (fill it first with
# `bench/bulk_cases.py --cases 50000`; see docs/benchmarks.md). Fails if a page's p95 reaches 1 s.
bench-reports: setup
	$(BIN)/python bench/reports.py --fail-over 1.0

# The scale benchmark (issue 18), PostgreSQL only: key reads as each demo user, workflow completions
# next to bare viewflow, a 50,000-payment batch. Fill the database DATABASE_URL names first with
# `manage.py bulk_data --scale county --force --settings=config.settings.test` (docs/benchmarks.md).
bench-scale: setup
	$(BIN)/python bench/scale.py $(BENCH_ARGS)

# GOV.UK Frontend's built CSS and JS are committed in core/static/govuk/, so `make run` needs only
# Python. This refreshes them from npm at the version tools/govuk/package-lock.json pins (needs Node).
vendor-govuk:
	tools/govuk/build

# axe-core, which the browser tests inject into every page, is committed in tests/browser/vendor/.
# This refreshes it from npm at the version tools/axe/package-lock.json pins (needs Node).
vendor-axe:
	tools/axe/build

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm *.egg-info
