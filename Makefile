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
        extract-translations update-translations clean help

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

assets: static/vendor/.installed

static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor
	cp node_modules/@digdir/designsystemet-css/dist/src/index.css static/vendor/designsystemet.css
	cp node_modules/@digdir/designsystemet-css/dist/theme/designsystemet.css static/vendor/designsystemet-theme.css
	touch $@

translations: install
	$(BIN)/pybabel compile -d translations --statistics

database: setup
	$(FLASK) portal migrate
	$(FLASK) portal load-demo

run: database
	@echo "IP-portal: http://127.0.0.1:$(PORT)/  (Ctrl+C stops the web server and the worker)"
	$(FLASK) portal worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

lint: install
	$(BIN)/ruff check .

test: setup lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

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
	rm -rf $(VENV) node_modules static/vendor instance/*.db
