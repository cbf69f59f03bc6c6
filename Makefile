# The quick start is two commands: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The aws CLI (v1, from PyPI) lives in its own venv: its docutils pin clashes with scim2-cli.
AWSCLI_VENV ?= .venv-awscli
AWSCLI_STAMP := $(AWSCLI_VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: install run test test-fast lint typecheck check bench clean

# package.json pins newman, which runs the Entra SCIM collection in tests/conformance.
$(STAMP): pyproject.toml $(wildcard package.json package-lock.json)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	if [ -f package.json ]; then npm ci --no-audit --no-fund; fi
	touch $(STAMP)

$(AWSCLI_STAMP):
	$(PYTHON) -m venv $(AWSCLI_VENV)
	$(AWSCLI_VENV)/bin/pip install --quiet --upgrade pip
	$(AWSCLI_VENV)/bin/pip install --quiet 'awscli>=1.44,<2'
	touch $(AWSCLI_STAMP)

install: $(STAMP)

run: install
	$(BIN)/sightgate db upgrade
	$(BIN)/sightgate demo load
	$(BIN)/sightgate serve --host $(HOST) --port $(PORT)

test: install $(AWSCLI_STAMP)
	SIGHTGATE_AWS_CLI=$(abspath $(AWSCLI_VENV))/bin/aws $(BIN)/pytest

lint: install
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/ruff format --check src tests scripts bench

typecheck: install
	$(BIN)/mypy

check: lint typecheck test

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(AWSCLI_VENV) node_modules .sightgate .pytest_cache .mypy_cache .ruff_cache
