# The two set-up commands of the README. Both are idempotent: run them as often as you like.
#   make run   - virtualenv, system libraries, migrations, reference + demo data, then web server + Celery worker
#   make test  - the same set-up, then the whole pytest suite, spread over the machine's cores (pytest-xdist)
#   make test-fast - the same, without the tests marked slow (browser, worker, fuzzing, PDF): the edit-test loop
# Each set-up step is a file target or a stamp, so a second run does only what changed.
SHELL := /bin/bash
# Bytecode caches make every Python start faster (pytest's workers and its assertion rewriting, Celery workers,
# manage.py); some machines switch them off for every process.
unexport PYTHONDONTWRITEBYTECODE
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Debian packages WeasyPrint needs (Pango for text layout, HarfBuzz subsetting) and a font with Vietnamese glyphs.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext
DEMO_SIZE ?= 60
# `make data DEMO_ARGS=--force`: load the demo into a database load_demo refuses (users it did not create...).
DEMO_ARGS ?=
# pytest-xdist: one process per core ("auto"); PYTEST_WORKERS=0 runs in this process (for pdb).
PYTEST_WORKERS ?= auto
PYTEST := $(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadgroup

# The compiled catalogues are built from the .po files, not committed.
MESSAGES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
# Migrations and reference/demo data were applied to this database (and demo size): a stamp per database, remade when
# a migration, a criteria set file or the demo changes. `make data` reloads regardless.
VAR := $(or $(NTM_VAR_DIR),var)
DATA_STAMP := $(VAR)/stamps/data-$(shell printf '%s|%s' "$(DATABASE_URL)" "$(DEMO_SIZE)" | md5sum | cut -c1-12)
DATA_SOURCES := $(wildcard */migrations/0*.py criteria/data/sets/*.json communes/data/*.json) \
	$(wildcard demo/*.py) criteria/services/reference.py
ifeq ($(strip $(DATABASE_URL)),)
  # The embedded database is a file: when it is deleted, its stamp goes with it.
  ifeq ($(wildcard $(VAR)/db.sqlite3),)
    $(shell rm -f $(DATA_STAMP))
  endif
endif

.PHONY: run test test-fast setup system-deps data lint

run: setup
	@echo "Web server: http://127.0.0.1:8000  (Ctrl-C stops the web server and the worker)"
	@PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile

test: setup $(VENV)/.dev-installed
	$(PYTEST) $(PYTEST_ARGS)

test-fast: setup $(VENV)/.dev-installed
	$(PYTEST) -m "not slow" $(PYTEST_ARGS)

setup: $(VENV)/.installed system-deps $(MESSAGES) $(DATA_STAMP)

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | $(VENV)/.installed system-deps
	$(PY) manage.py compilemessages -v0 --locale $* --ignore=.venv

$(DATA_STAMP): $(DATA_SOURCES) | $(VENV)/.installed system-deps
	$(PY) manage.py migrate --noinput -v0
	$(MAKE) --no-print-directory data
	@mkdir -p $(@D) && touch $@

data:
	$(PY) manage.py load_criteria
	$(PY) manage.py load_demo --communes $(DEMO_SIZE) $(DEMO_ARGS)

$(VENV)/.installed: requirements.txt requirements-data.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -r requirements-data.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# WeasyPrint loads Pango through ctypes at import, and compilemessages needs GNU gettext's msgfmt: if either is
# missing, install them (as root) or say how.
system-deps: $(VENV)/.installed
	@if ! $(PY) -c "import weasyprint" 2>/dev/null || ! fc-list 2>/dev/null | grep -qi dejavu || ! command -v msgfmt >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing system libraries for WeasyPrint: $(SYSTEM_PACKAGES)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) fontconfig >/dev/null; \
	  else \
	    echo "WeasyPrint needs system libraries. Run:"; \
	    echo "  sudo apt-get install -y $(SYSTEM_PACKAGES) fontconfig"; \
	    exit 1; \
	  fi; \
	fi

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
