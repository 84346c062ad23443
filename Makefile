# The two commands a newcomer needs: `make lab` and `make test`. Both work on a fresh machine
# with Python 3.11 and make; `make test` also installs Debian's chromium for the browser tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
CHROMIUM ?= /usr/bin/chromium
PYTEST_ARGS ?=

.PHONY: lab test install install-test chromium benchmarks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

install-test: $(TEST_STAMP)

## Start JupyterLab on the notebooks (deploys go to the embedded local emulator by default).
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root,)

## Browser tests need Debian's chromium; never a browser downloaded by playwright.
chromium:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Debian's chromium at $(CHROMIUM). Run:"; \
		echo "    sudo apt-get install chromium"; \
		exit 1; \
	fi

## Run every test: unit, property, compiler + cfn-lint, moto deploys, notebooks, browser.
test: $(TEST_STAMP) chromium
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

benchmarks: $(TEST_STAMP)
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
