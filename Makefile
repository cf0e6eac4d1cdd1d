# kg: the two commands are `make demo` and `make test`; everything else supports them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kg-installed
OUT    ?= out/demo

.PHONY: demo test lint typecheck unit eval clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

## Install kg and run it on the shipped example corpus.
demo: $(STAMP)
	$(BIN)/kg extract examples/abstracts.jsonl -o $(OUT)/records.jsonl
	@echo "demo outputs are in $(OUT)/"

## Install kg with its test tools and run lint, type checks and the tests.
test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check kg tests

typecheck: $(STAMP)
	$(BIN)/mypy kg

unit: $(STAMP)
	$(BIN)/python -m pytest

## Score extraction on the shared gold sets (needs ../shared).
eval: $(STAMP)
	$(BIN)/kg eval ../shared/gold/tdmsci-train.jsonl
	$(BIN)/kg eval ../shared/gold/scirex-dev.jsonl
	$(BIN)/kg eval gold/claims.jsonl

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
