# IP-portal. `make run` serves the portal; `make test` runs every test. Both set up what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal
PORT ?= 5000
PORTAL_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
export PORTAL_TEST_DATABASE_URL

.PHONY: run test setup install assets translations database lint unit integration browser \
        extract-translations update-translations clean help \
        bench bench-quick bench-scale bench-smoke bench-install bench-tools

help:
	@echo "make run    - set up and serve the portal at http://127.0.0.1:$(PORT) (web + worker)"
	@echo "make test   - set up and run lint, unit, integration (SQLite + PostgreSQL) and browser tests"

setup: install assets translations

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# Designsystemet's CSS trimmed to the rules our templates use (purgecss.config.cjs), its theme,
# then every static file fingerprinted and pre-compressed into build/static (portal/assets.py).
# Runs every time (a second or two): a template may have started using another class.
assets: node_modules/.installed install
	mkdir -p static/vendor
	node_modules/.bin/purgecss --config purgecss.config.cjs --output static/vendor/
	mv static/vendor/index.css static/vendor/designsystemet.css
	cp node_modules/@digdir/designsystemet-css/dist/theme/designsystemet.css static/vendor/designsystemet-theme.css
	$(BIN)/python -m portal.assets

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

translations: install
	$(BIN)/pybabel compile -d translations --statistics

database: setup
	$(FLASK) portal migrate
	$(FLASK) portal load-demo

run: database
	@echo "IP-portal: http://127.0.0.1:$(PORT)/  (Ctrl+C stops the web server and the worker)"
	PORT=$(PORT) $(BIN)/python -m portal.queue & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	PORT=$(PORT) $(FLASK) run --host 127.0.0.1 --port $(PORT)

lint: install
	$(BIN)/ruff check .

# Then the date rules once more with the clock at 23:30 UTC, when the server's date is still
# yesterday while Norway's is today (tests/support/clock.py).
test: setup lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	PORTAL_TEST_CLOCK=23:30 $(BIN)/python -m pytest -m dates $(PYTEST_ARGS)

unit: setup
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

integration: setup
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

browser: setup
	$(BIN)/python -m pytest tests/browser $(PYTEST_ARGS)

# Translators' workflow: extract English source strings, then merge them into nb, nn and en.
extract-translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  --project ip-portal -o translations/messages.pot .

update-translations: extract-translations
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching \
	  --ignore-obsolete

clean:
	rm -rf $(VENV) node_modules static/vendor build instance/*.db

# Benchmarks (bench/README.md): `make bench` prints one table and writes bench/results/*.json.
# It uses its own PostgreSQL databases `bench` and `bench_scale`, never `test`.
BENCH_ARGS ?=
BENCH_CASES ?= 1000000

bench-install: $(VENV)/.bench-installed

$(VENV)/.bench-installed: $(VENV)/.installed pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,bench]'
	touch $@

# wrk (Debian) generates the plain GETs; PostgreSQL must run on 127.0.0.1:5432 (as for `make test`).
bench-tools:
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk; \
	  else echo "make bench needs wrk: sudo apt-get install -y wrk" >&2; exit 1; fi; }
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  if [ "$$(id -u)" = 0 ] && [ -d /etc/postgresql ]; then \
	    for version in $$(ls /etc/postgresql); do \
	      pg_ctlcluster --skip-systemctl-redirect "$$version" main start || true; done; \
	    for _ in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; fi; \
	  pg_isready -q -h 127.0.0.1 -p 5432 || { \
	    echo "make bench needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust)" >&2; exit 1; }; }

bench: setup bench-install bench-tools
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-quick: setup bench-install bench-tools
	$(BIN)/python -m bench --quick $(BENCH_ARGS)

# The million-case database for the scale figures (make bench makes it too, once, and reuses it).
bench-scale: setup bench-install bench-tools
	$(BIN)/python -m bench.generate --cases $(BENCH_CASES)

bench-smoke: setup
	PORTAL_TEST_DATABASE_URL= $(BIN)/python -m pytest tests/integration/test_bench_smoke.py $(PYTEST_ARGS)
