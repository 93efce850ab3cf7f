# One entry point for people and CI. `make build` and `make check` set everything up from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: build check lint typecheck test system-deps bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,docs]'
	touch $@

## build: set up, then build output/ from notes/
build: $(STAMP)
	$(BIN)/mlops-graph build notes -o output

system-deps:
	scripts/system-deps.sh

## check: set up (Python and Debian packages), then ruff, mypy and the whole test suite (slow tests included)
check: $(DEV_STAMP) system-deps
	$(BIN)/ruff check
	$(BIN)/mypy
	$(BIN)/pytest -q -n 2 --dist loadgroup -m ""

lint: $(DEV_STAMP)
	$(BIN)/ruff check

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

## test: the fast suite (no slow, browser or Virtuoso tests)
test: $(DEV_STAMP)
	$(BIN)/pytest -q

## bench: the speed and memory benchmarks (prints tables; never fails on a figure)
bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
