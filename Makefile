# The README's two commands: `make run` and `make test`.
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip
DATA    ?= $(or $(CAPTURE_DATA_DIR),instance)
HOST    ?= 127.0.0.1
PORT    ?= 5000
PYTEST_ARGS ?=

.PHONY: run test test-sqlite test-postgres reliability install test-deps system-deps translations bench clean

$(VENV)/bin/python:
	python3 -m venv $(VENV)

$(VENV)/.installed: setup.cfg pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(PIP) install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: $(VENV)/.installed
	CAPTURE_DATA_DIR=$(DATA) $(VENV)/bin/capture init
	CAPTURE_DATA_DIR=$(DATA) $(VENV)/bin/capture demo
	@echo
	@echo "  Open http://$(HOST):$(PORT)/login and sign in with a demo account:"
	@echo "  role, username and password are in $(DATA)/demo-credentials.txt"
	@echo
	CAPTURE_DATA_DIR=$(DATA) CAPTURE_ENV=development $(PY) run.py --host $(HOST) --port $(PORT)

# From Debian's packages, only when missing: Chromium and a CJK font for the browser tests,
# PostgreSQL for the second pass of the suite.
system-deps:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || missing="$$missing fonts-wqy-microhei"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

test-deps: $(VENV)/.test-installed system-deps

# The whole suite on SQLite, then again on a throwaway PostgreSQL cluster the tests start.
test: test-deps
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)
	CAPTURE_TEST_DB=postgres $(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

test-sqlite: test-deps
	$(PY) -m pytest $(PYTEST_ARGS)

test-postgres: test-deps
	CAPTURE_TEST_DB=postgres $(PY) -m pytest $(PYTEST_ARGS)

# The reliability suite at full size (make test runs it small): gunicorn killed 10 times under
# 20 uploaders, 50 clients for 60 s, killed exports, backup in use, tampering, a full disk;
# on SQLite, then on PostgreSQL. Each run prints its figures.
reliability: test-deps
	CAPTURE_RELIABILITY=full $(PY) -m pytest -p no:cacheprovider -m reliability $(PYTEST_ARGS)
	CAPTURE_RELIABILITY=full CAPTURE_TEST_DB=postgres $(PY) -m pytest -p no:cacheprovider -m reliability $(PYTEST_ARGS)

translations: $(VENV)/.test-installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -o capture/translations/messages.pot --no-location --sort-output .
	$(VENV)/bin/pybabel update -i capture/translations/messages.pot -d capture/translations --no-fuzzy-matching --ignore-obsolete
	$(VENV)/bin/pybabel compile -d capture/translations

bench: $(VENV)/.test-installed system-deps
	$(PY) -m bench

clean:
	rm -rf $(VENV) build *.egg-info
