# The two set-up commands of the README. Both are idempotent: run them as often as you like.
#   make run   - virtualenv, system libraries, migrations, reference + demo data, then web server + Celery worker
#   make test  - the same set-up, then the whole pytest suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Debian packages WeasyPrint needs (Pango for text layout, HarfBuzz subsetting) and a font with Vietnamese glyphs.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext
DEMO_SIZE ?= 60

.PHONY: run test setup system-deps data lint

run: setup
	@echo "Web server: http://127.0.0.1:8000  (Ctrl-C stops the web server and the worker)"
	@PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile

test: setup $(VENV)/.dev-installed
	$(VENV)/bin/pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed system-deps
	$(PY) manage.py compilemessages -v0 --ignore=.venv
	$(PY) manage.py migrate --noinput -v0
	$(MAKE) --no-print-directory data

data:
	$(PY) manage.py load_criteria
	$(PY) manage.py load_demo --communes $(DEMO_SIZE)

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
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
