# Two commands set up a fresh machine: `make run` (install + serve the help center) and `make test`.
VENV   ?= .venv
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000
# the shipped help center is written in English and Brazilian Portuguese (articles/pt-br/)
KB_LOCALES ?= en,pt-BR
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup run test check browser-deps lint lock bench messages catalogs

setup: $(STAMP)  ## Create or update .venv (quick when nothing changed)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=25.1"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[semantic]" --group test
	@touch $(STAMP)

# kb serve builds the full-text index when there is none and serves at once; semantic search is built beside it
run: setup  ## Serve the help center of the shipped articles on http://$(HOST):$(PORT) (indexing them first if needed)
	$(VENV)/bin/kb db upgrade
	KB_LOCALES=$(KB_LOCALES) $(VENV)/bin/kb serve --host $(HOST) --port $(PORT)

browser-deps:  ## Headless Chromium for the browser tests (Debian's package), and axe-core (npm) for the accessibility ones
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }
	@test -f $(VENV)/axe/node_modules/axe-core/axe.min.js || { \
	  command -v npm >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq npm; }; \
	  npm install --no-save --no-audit --no-fund --prefix $(VENV)/axe axe-core@4.14.1; }

test: setup browser-deps  ## Run the whole test suite
	$(PY) -m pytest

# The fast loop: no real model, no browser, no gunicorn processes (markers in pyproject.toml), temporary files on
# tmpfs where there is one (each test's SQLite database is created there: no disk syncs). CI runs `make test`.
FAST_TMP = $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm)
check: setup  ## Run the fast tests (under a minute): everything but the slow, browser and serve ones
	KB_TEST_FAST=1 $(if $(FAST_TMP),TMPDIR=$(FAST_TMP)) $(PY) -m pytest -m "not slow and not browser and not serve"

lock: setup  ## Refresh constraints.txt from what .venv has now (after changing dependencies in pyproject.toml)
	@{ echo "# Every dependency's version, as tested: make setup installs with -c constraints.txt. Refresh with make lock."; \
	  $(PY) -m pip freeze --exclude-editable | sed 's/^torch==\([0-9.]*\)+cpu$$/torch==\1/'; } > constraints.txt

# The interface's translations: kb/translations/<locale>/LC_MESSAGES/messages.po, compiled to the .mo kept beside it
messages: setup  ## Extract the interface's messages (pages: messages.pot; scripts: scripts.pot) and update each catalog
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-location --sort-output \
	  --project kb --msgid-bugs-address "" -o kb/translations/messages.pot .
	$(VENV)/bin/pybabel update -i kb/translations/messages.pot -d kb/translations --no-fuzzy-matching --ignore-obsolete
	$(VENV)/bin/pybabel extract -F babel-scripts.cfg --no-default-keywords -k t -k tn:1,2 --no-location --sort-output \
	  --project kb --msgid-bugs-address "" -o kb/translations/scripts.pot .
	$(VENV)/bin/pybabel update -D scripts -i kb/translations/scripts.pot -d kb/translations --no-fuzzy-matching \
	  --ignore-obsolete

catalogs: setup  ## Compile the catalogs (kb/translations/*/LC_MESSAGES/*.mo, kept in git)
	$(VENV)/bin/pybabel compile -D messages -d kb/translations --statistics
	$(VENV)/bin/pybabel compile -D scripts -d kb/translations --statistics

lint: setup
	$(VENV)/bin/ruff check kb search suggest tests bench
