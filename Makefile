# Two commands: `make run` (set up and serve) and `make test` (set up and run the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# requirements-dev.txt: production's requirements.txt and the tools; reinstalled when either changes.
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | md5sum | cut -c1-8)
# axe-core (npm) for the browser tests; reinstalled when package-lock.json changes.
NODE_STAMP := node_modules/.installed-$(shell cat package-lock.json | md5sum | cut -c1-8)

# PostgreSQL: DATABASE_URL when it is set; otherwise the embedded server (data in var/postgres,
# core/embedded_postgres.py), started for as long as the command runs and stopped when it ends.
WITH_DATABASE = $(if $(DATABASE_URL),,$(BIN)/python -m core.embedded_postgres run --)
# `make test` needs Redis too (override on the command line or in the environment).
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run serve test suite install node-install lint format messages clean bench bench-dossiers bench-catalogue audit bench-lookup bench-signup

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

# `npm ci` when node_modules/axe-core is missing or package-lock.json changed (npm keeps the
# tarballs' old mtimes, so a stamp named after the lock file's hash says what is installed).
node-install:
	@if [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -f $(NODE_STAMP) ]; then \
	  npm ci --no-audit --no-fund && rm -f node_modules/.installed-* && \
	  test -f node_modules/axe-core/axe.min.js && touch $(NODE_STAMP); \
	fi

# Compile .po files when a .mo is missing or older than its .po.
messages: install
	@for po in $$(find locale -name '*.po'); do mo=$${po%.po}.mo; \
	  if [ ! -f $$mo ] || [ $$po -nt $$mo ]; then $(BIN)/python manage.py compilemessages --ignore=.venv -v0 && break; fi; done

run: install messages
	@$(WITH_DATABASE) $(MAKE) --no-print-directory serve

# What `run` does once the database is up: migrate, demo data, then serve.
serve: export SITE_URL ?= http://127.0.0.1:$(PORT)
serve:
	mkdir -p var/mail var/media
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py load_demo_catalogue
	$(BIN)/python manage.py make_demo_certificates
	$(BIN)/python manage.py load_demo_payments
	$(BIN)/python manage.py import_holidays $$(date +%Y) $$(( $$(date +%Y) + 1 )) -v0
	@echo "Portal: http://127.0.0.1:$(PORT)/   (emails: $(if $(EMAIL_URL),SMTP,var/mail/))"
	@# With Redis: one worker that also runs Celery beat (email sweeper, officers' daily digest).
	@if [ -n "$$REDIS_URL" ]; then \
	  $(BIN)/celery -A portal worker --beat --schedule var/celerybeat-schedule --loglevel=INFO --concurrency=2 & worker=$$!; \
	  trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT); \
	else \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT); \
	fi

test: install messages node-install
	@REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} $(WITH_DATABASE) $(MAKE) --no-print-directory suite

# What `test` does once the database is up.
suite:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest --create-db $(PYTEST_ARGS)

# Benchmarks (not part of `make test`; docs/benchmarks/). Each writes to a PostgreSQL database of its
# own (its name must contain "bench") and to Redis only under its own key prefix
# ($(BENCH_KEY_PREFIX)-load, -catalogue, -lookup), which it deletes key by key and never by emptying
# a database: BENCH_*_REDIS_URL may be any Redis database, by default REDIS_URL's, else Redis's first.
BENCH_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379)
BENCH_KEY_PREFIX ?= bench

# Send 200 dossiers (three 2 MB files each) through the views on PostgreSQL; see docs/benchmarks/dossiers.md.
BENCH_DOSSIERS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal_bench_dos
bench-dossiers: install messages
	BENCH_DATABASE_URL=$(BENCH_DOSSIERS_DATABASE_URL) $(BIN)/python -m benchmarks.dossiers
# Signup answer time for new and registered addresses (must not tell them apart); docs/benchmarks/signup.md.
bench-signup: install messages
	$(BIN)/python -m benchmarks.signup --output docs/benchmarks/signup.md
# Catalogue search benchmark: 10,000 procedures in a dedicated database; docs/benchmarks/catalogue.md.
BENCH_CATALOGUE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal_bench
BENCH_CATALOGUE_REDIS_URL ?= $(BENCH_REDIS_URL)
BENCH_CATALOGUE_ARGS ?= --output docs/benchmarks/catalogue.md
bench-catalogue: install messages
	DATABASE_URL=$(BENCH_CATALOGUE_DATABASE_URL) REDIS_URL=$(BENCH_CATALOGUE_REDIS_URL) \
	  CACHE_KEY_PREFIX=$(BENCH_KEY_PREFIX)-catalogue $(BIN)/python -m benchmarks.catalogue $(BENCH_CATALOGUE_ARGS)
# Lookup and statistics benchmark: 1,000,000 dossiers by COPY in a dedicated database (kept between
# runs; --rebuild to regenerate); docs/benchmarks/lookup.md.
BENCH_LOOKUP_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal_bench_lookup
BENCH_LOOKUP_REDIS_URL ?= $(BENCH_REDIS_URL)
BENCH_LOOKUP_ARGS ?= --output docs/benchmarks/lookup.md
bench-lookup: install messages
	DATABASE_URL=$(BENCH_LOOKUP_DATABASE_URL) REDIS_URL=$(BENCH_LOOKUP_REDIS_URL) \
	  CACHE_KEY_PREFIX=$(BENCH_KEY_PREFIX)-lookup $(BIN)/python -m benchmarks.lookup $(BENCH_LOOKUP_ARGS)

# Load benchmark: gunicorn + PostgreSQL + Redis + Celery seeded with 10,000 procedures and 200,000
# dossiers, locust at 16 users, every page as a ratio to a bare baseline view measured in the same
# run (benchmarks/load/); writes BENCH_LOAD_OUTPUT. About 12 minutes once seeded (the first run
# seeds for a few more). Extra options: BENCH_LOAD_ARGS='--sweep' (workers 2-5, sync/gthread),
# '--only home,search', '--profile detail' (py-spy), '--duration 40 --warmup 10'.
BENCH_LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal_loadbench
BENCH_LOAD_REDIS_URL ?= $(BENCH_REDIS_URL)
BENCH_LOAD_OUTPUT ?= docs/benchmarks/load.md
BENCH_LOAD_ARGS ?=
bench: install messages
	BENCH_LOAD_DATABASE_URL=$(BENCH_LOAD_DATABASE_URL) BENCH_LOAD_REDIS_URL=$(BENCH_LOAD_REDIS_URL) \
	  BENCH_LOAD_KEY_PREFIX=$(BENCH_KEY_PREFIX)-load \
	  $(BIN)/python -m benchmarks.load --output $(BENCH_LOAD_OUTPUT) $(BENCH_LOAD_ARGS)

# Lines of Python outside tests, migrations and benchmarks/ (issue 17's yardstick).
.PHONY: bench-lines
bench-lines:
	@$(BIN)/python -m benchmarks.count_lines

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

# Refresh the catalogues after changing user-facing strings, then translate locale/vi/.
makemessages:
	$(BIN)/python manage.py makemessages -l vi --ignore=.venv --ignore=var --no-obsolete

clean:
	rm -rf var/ .pytest_cache test-artifacts

# Known vulnerabilities in what production installs (pip-audit, in its own virtualenv, asking PyPI's
# JSON API). Fails on a known vulnerability, and (--strict) on any package it could not check: without
# it, a run that reached no vulnerability data still says "No known vulnerabilities found".
audit:
	test -x .venv-audit/bin/pip-audit || ($(PYTHON) -m venv .venv-audit && .venv-audit/bin/pip install --quiet pip-audit==2.10.1)
	.venv-audit/bin/pip-audit --strict -r requirements.txt --progress-spinner off
