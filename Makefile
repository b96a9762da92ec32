# catdyn: set-up, main job and tests. Every target creates .venv on first use.
# torch 2.13.0 is installed first, on its own: a bare `torch` requirement with no torch
# present could pull a multi-GB CUDA build.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: setup run test lint bench mutate clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[torch,ray,dev]'
	touch $@

# The main job: check every spec's laws, then run every spec's experiment (smoke preset, CPU,
# offline data, SQLite store under runs/) and write their reports.
run: setup
	$(VENV)/bin/catdyn check specs/
	$(VENV)/bin/catdyn run specs/ --preset smoke --device cpu --out runs

test: setup
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check .

bench: setup
	$(PY) -m pip install -q -e '.[torch,ray,bench,dev]'
	$(PY) -m benchmarks

# Mutation testing of the critical modules (slow, not part of `test` or CI): one pytest run per
# planted bug, in a temporary copy of the tree. Limit it, e.g.
#   make mutate MUTATE_ARGS="--max-mutants 25 --seed 11 --timeout 600"
#   make mutate MUTATE_ARGS="--modules catdyn/classes.py --max-mutants 20"
# Result: runs/mutation.json; the last recorded result is in docs/mutation.md.
MUTATE_ARGS ?= --max-mutants 40 --seed 10 --timeout 600
mutate: setup
	nice -n 15 $(PY) tools/mutate.py $(MUTATE_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info
