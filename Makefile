# Two commands set everything up on a fresh Debian machine: `make demo` and `make test`.
VENV      ?= .venv
PYTHON    ?= python3
CHROMIUM  ?= /usr/lib/chromium/chromium
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STAMP     := $(VENV)/.installed
REDIS     ?= /usr/bin/redis-server

.PHONY: demo test bench peers lint browser services install clean

demo: install browser
	$(VENV)/bin/probe demo

# The modules marked `timing` are sensitive to machine load (timing fidelity, a kill racing a
# sweep): they run first, alone. The rest runs in two processes (pytest-xdist), a module never
# split between them, so that its farm and browser fixtures start once.
TEST_WORKERS ?= 2
test: install browser services
	$(VENV)/bin/python -m pytest -q --durations=10 -m timing
	$(VENV)/bin/python -m pytest -q --durations=25 -m "not timing" -n $(TEST_WORKERS) --dist loadfile

# Sweep throughput at concurrency 1, 2, 4, peak memory, per-page cost next to Lighthouse and
# pa11y (bench/sweep.py; figures in out/bench-sweep.json). Takes several minutes.
bench: install browser peers
	$(VENV)/bin/python bench/sweep.py --json-out out/bench-sweep.json

# Lighthouse and pa11y for the benchmarks, from npm into bench/.peers (git-ignored); without
# npm the benchmarks skip the comparison and say so.
PEERS := bench/.peers
peers:
	@if [ -f $(PEERS)/node_modules/lighthouse/package.json ] && \
	    grep -q '"version": "12.8.2"' $(PEERS)/node_modules/lighthouse/package.json && \
	    grep -q '"version": "9.1.1"' $(PEERS)/node_modules/pa11y/package.json 2>/dev/null; then \
	  true; \
	elif command -v npm >/dev/null; then \
	  echo "Installing lighthouse@12.8.2 pa11y@9.1.1 into $(PEERS)"; \
	  PUPPETEER_SKIP_DOWNLOAD=1 npm install --silent --prefix $(PEERS) lighthouse@12.8.2 pa11y@9.1.1; \
	else \
	  echo "npm not found: the benchmark skips Lighthouse/pa11y (apt-get install npm for them)"; \
	fi

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
