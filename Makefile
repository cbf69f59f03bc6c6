# The quick start is two commands: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Two stamps: running sightgate needs only the package; tests also need the dev tooling
# and newman (npm), so Node is needed for `make test` and never for `make run`.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
# The aws CLI (v1, from PyPI) lives in its own venv: its docutils pin clashes with scim2-cli.
AWSCLI_VENV ?= .venv-awscli
AWSCLI_STAMP := $(AWSCLI_VENV)/.installed
# The server's address comes from SIGHTGATE_HOST / SIGHTGATE_PORT (default 127.0.0.1:8080);
# HOST=... or PORT=... on make's command line override them.
SERVE_ARGS := $(if $(filter command line,$(origin HOST)),--host $(HOST)) \
	$(if $(filter command line,$(origin PORT)),--port $(PORT))
# The embedding SDK accepts only https:// URLs, so `make run` serves HTTPS with a local
# self-signed certificate kept in the data directory (`sightgate tls make-cert` prints
# its path and how to trust it, and keeps one that is still valid); SIGHTGATE_TLS_CERT
# and SIGHTGATE_TLS_KEY in the environment name another.
TLS_DIR := $(or $(SIGHTGATE_DATA_DIR),.sightgate)/tls
# `make run` also serves the example ISV app (`sightgate demo app`, http://localhost:8081)
# in the background, stopped when the server stops; HOST=/PORT= tell it where the server is.
DEMO_APP_ENV := $(if $(filter command line,$(origin HOST)),SIGHTGATE_HOST=$(HOST)) \
	$(if $(filter command line,$(origin PORT)),SIGHTGATE_PORT=$(PORT))

.PHONY: install install-dev awscli run test test-fast lint typecheck check bench clean

$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(RUN_STAMP)

# package.json pins newman, which runs the Entra SCIM collection in tests/conformance.
$(DEV_STAMP): $(RUN_STAMP) $(wildcard package.json package-lock.json)
	$(BIN)/pip install --quiet -e '.[dev]'
	if [ -f package.json ]; then npm ci --no-audit --no-fund; fi
	touch $(DEV_STAMP)

$(AWSCLI_STAMP):
	$(PYTHON) -m venv $(AWSCLI_VENV)
	$(AWSCLI_VENV)/bin/pip install --quiet --upgrade pip
	$(AWSCLI_VENV)/bin/pip install --quiet 'awscli>=1.44,<2'
	touch $(AWSCLI_STAMP)

# The demo ISV app's page loads the embedding SDK from node_modules: `make run` installs the
# runtime npm packages (no dev tooling) when npm is there, and runs without them otherwise.
SDK_STAMP ?= node_modules/amazon-quicksight-embedding-sdk/package.json
$(SDK_STAMP):
	@if command -v npm >/dev/null 2>&1; then npm ci --omit=dev --no-audit --no-fund; \
	else echo "npm not found: the demo app (http://localhost:8081) says how to install the embedding SDK"; fi

install: $(RUN_STAMP)

install-dev: $(DEV_STAMP)

awscli: $(AWSCLI_STAMP)

run: export SIGHTGATE_TLS_CERT ?= $(TLS_DIR)/cert.pem
run: export SIGHTGATE_TLS_KEY ?= $(TLS_DIR)/key.pem
run: install $(SDK_STAMP)
	$(BIN)/sightgate db upgrade
	$(BIN)/sightgate demo load
	$(BIN)/sightgate tls make-cert --out-dir $(TLS_DIR)
	$(strip $(DEMO_APP_ENV) $(BIN)/sightgate demo app) & trap 'kill $$!' EXIT INT TERM; \
	$(BIN)/sightgate serve $(strip $(SERVE_ARGS))

# The suite runs on TEST_WORKERS pytest-xdist workers, a module (or the browser package)
# whole on each (tests/conftest.py groups them); most of its time is spent waiting on
# server, CLI and browser processes. TEST_WORKERS=0 runs it in this one process.
TEST_WORKERS ?= 2
test: install-dev awscli
	SIGHTGATE_AWS_CLI=$(abspath $(AWSCLI_VENV))/bin/aws $(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope

lint: install-dev
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/ruff format --check src tests scripts bench

typecheck: install-dev
	$(BIN)/mypy

check: lint typecheck test

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(AWSCLI_VENV) node_modules .sightgate .pytest_cache .mypy_cache .ruff_cache
