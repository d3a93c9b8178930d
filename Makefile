# rxagent developer tasks. `make demo` runs a live agent in the terminal; `make test` runs
# every check. The virtualenv is built on first use and rebuilt when pyproject.toml changes.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.rxagent-installed
BENCH_STAMP := $(VENV)/.rxagent-bench-installed
# pytest over the machine's cores (pytest-xdist): one worker per core, at most four, each
# test file on one worker (its module fixtures built once)
PYTEST := $(BIN)/pytest --numprocesses auto --maxprocesses 4 --dist loadfile
export NO_MKDOCS_2_WARNING := 1

.DEFAULT_GOAL := help
.PHONY: help venv system-deps demo test lint typecheck docs pytest bench bench-serve bench-redis clean distclean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

venv: $(STAMP)  ## create .venv and install rxagent[dev,cli] in editable mode

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "rxagent needs Python >= 3.11; set PYTHON=python3.11 (or newer)" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
		{ echo "cannot create $(VENV): on Debian/Ubuntu, apt-get install python3-venv" >&2; \
		  rm -rf $(VENV); exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,cli]'
	@touch $@

system-deps:  ## apt-get what the tests drive when missing: chromium, redis-server, node, npm
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
		echo "==> apt-get install$$missing"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null || \
		echo "warning: could not install$$missing (tests that need them skip)" >&2; \
	fi

demo: venv  ## run a live agent in the terminal
	$(BIN)/rxagent demo

JS_STAMP := tests/js/node_modules/.package-lock.json

$(JS_STAMP): tests/js/package.json tests/js/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: make system-deps" >&2; exit 1; }
	npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
	@touch $@

test: system-deps venv $(JS_STAMP)  ## ruff, ruff format, mypy --strict, docs build, pytest
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/mkdocs build --strict --site-dir site
	$(PYTEST)

lint: venv  ## ruff check and format check only
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv  ## mypy --strict on the files listed in pyproject.toml
	$(BIN)/mypy

pytest: venv  ## the test suite only
	$(PYTEST)

docs: venv  ## build the documentation site into site/
	$(BIN)/mkdocs build --strict

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,cli,bench]'
	@touch $@

bench: $(BENCH_STAMP)  ## the comparison suite beside LangGraph: benchmarks/results/latest.*
	$(BIN)/python -m benchmarks
	cp benchmarks/results/latest.png docs/assets/benchmarks-latest.png

LANGGRAPH_DEV := .venv-langgraph-dev

$(LANGGRAPH_DEV)/bin/langgraph:
	$(PYTHON) -m venv $(LANGGRAPH_DEV)
	$(LANGGRAPH_DEV)/bin/python -m pip install --quiet 'langgraph-cli[inmem]'

bench-serve: $(BENCH_STAMP) $(LANGGRAPH_DEV)/bin/langgraph  ## SSE serving, side by side with `langgraph dev`
	$(BIN)/python -m benchmarks.serve --langgraph $(LANGGRAPH_DEV)/bin/langgraph

bench-redis: $(BENCH_STAMP)  ## the Redis run log and serve --redis, side by side with the in-memory store
	$(BIN)/python -m benchmarks.redis

clean:  ## remove build outputs and caches (keeps .venv)
	rm -rf site build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache .hypothesis
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

distclean: clean  ## also remove .venv
	rm -rf $(VENV)
