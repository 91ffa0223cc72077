# Two commands set everything up on a fresh Debian machine: `make demo` and `make test`.
VENV      ?= .venv
PYTHON    ?= python3
CHROMIUM  ?= /usr/lib/chromium/chromium
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STAMP     := $(VENV)/.installed
REDIS     ?= /usr/bin/redis-server

.PHONY: demo test lint browser services install clean

demo: install browser
	$(VENV)/bin/probe demo

test: install browser services
	$(VENV)/bin/python -m pytest -q --durations=25

lint: install
	$(VENV)/bin/ruff check .

install: $(STAMP)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Re-installs only when the package metadata changes.
$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# Debian's Chromium (Playwright's own browser download cannot work here) and certutil,
# which hands the extra CA to Chromium.
browser:
	@if [ ! -x "$(CHROMIUM)" ] || ! command -v certutil >/dev/null; then \
	  echo "Installing Debian chromium and libnss3-tools"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium libnss3-tools; \
	fi

# Redis and PostgreSQL for the distributed-sweep test (tests/test_distributed.py), which
# starts private instances of both on loopback; the packages' own services are not used.
services:
	@if [ ! -x "$(REDIS)" ] || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "Installing Debian redis-server and postgresql"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq redis-server postgresql; \
	fi

clean:
	rm -rf $(VENV) results.db evidence report farm-work
