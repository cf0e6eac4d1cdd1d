# kg: the two commands are `make demo` and `make test`; everything else supports them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kg-installed
OUT    ?= out/demo

.PHONY: demo test test-fast chromium lint typecheck unit eval clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

## Install kg and run it on the shipped example corpus.
demo: $(STAMP)
	$(BIN)/kg build examples/abstracts.jsonl -o $(OUT)
	@echo "demo outputs are in $(OUT)/: graph.ttl (RDF), graph.json, graph.html (open it in a browser), records.jsonl, stats.json"

## Install kg with its test tools and run lint, type checks and the tests.
test: $(STAMP) chromium lint typecheck unit

## The browser tests drive Debian's Chromium: install it when missing and we may (root with apt-get);
## without it those tests skip.
chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "note: chromium is not installed; the browser tests will be skipped"; }

## The quick loop while working: every test not marked slow (each slow one takes over ~1.3 s), no lint,
## spread over the cores with pytest-xdist (the suite itself runs serially in `make test`).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow" -n auto

lint: $(STAMP)
	$(BIN)/ruff check kg tests benchmarks
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy kg

unit: $(STAMP)
	$(BIN)/python -m pytest

## Score extraction on the shared gold sets (needs ../shared).
eval: $(STAMP)
	$(BIN)/kg eval --fast ../shared/gold/tdmsci-train.jsonl
	$(BIN)/kg eval --fast ../shared/gold/scirex-dev.jsonl
	$(BIN)/kg eval gold/claims.jsonl

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache

.PHONY: train cv cv-ner

## Train the shipped tagger (kg/models/tagger, a CRF) on ../shared/gold; deterministic.
train: $(STAMP)
	$(BIN)/kg train -o kg/models/tagger

## 5-fold cross-validation of the tagger (the honest scores); tables in out/cv/cv.md.
cv: $(STAMP)
	$(BIN)/kg cv -o out/cv

## The same cross-validation for spaCy's NER (the tagger kind kg shipped before the CRF) under every
## combination mode kg tried, for comparison (benchmarks/experiments/).
cv-ner: $(STAMP)
	$(BIN)/python -m benchmarks.experiments.ner_cv -o out/cv-ner

.PHONY: screenshot

## Regenerate docs/graph.png, the README's picture of the example graph, in headless Chromium.
screenshot: $(STAMP)
	$(BIN)/kg build examples/abstracts.jsonl -o $(OUT)
	$(BIN)/kg view $(OUT) -o $(OUT)/screenshot.html --title "kg: the example corpus"
	$(BIN)/python -m benchmarks.view_bench --screenshot docs/graph.png --page $(OUT)/screenshot.html

.PHONY: bench

SIZES   ?= 1000,10000
WORKERS ?= 2

## Build benchmark on generated corpora (time, abstracts/s, peak RSS per stage); 100k is long:
## make bench SIZES=1000,10000,100000. Link benchmark: python -m benchmarks.link_bench --strings 1000000
bench: $(STAMP)
	$(BIN)/python -m benchmarks.build_bench --sizes $(SIZES) --workers $(WORKERS) --fast-too

.PHONY: golden

## Rebuild tests/golden/ (the outputs tests/test_golden.py holds kg to) after a change meant to change them.
golden: $(STAMP)
	$(BIN)/python -m tests.golden_outputs

.PHONY: docs

## Regenerate docs/cli.md, the CLI reference, from the commands' --help (cog; a test fails when it is stale).
docs: $(STAMP)
	$(BIN)/cog -r docs/cli.md
