# lidendrite — set-up, demo and tests.
#   make demo   create .venv if missing, install, run the default case (replacing results/demo), render it
#   make test   create .venv if missing, install, run the test suite (serial + 2 MPI ranks)
# Override the interpreter with `make PYTHON=/path/to/python3.12 ...` (Python >= 3.12).

SHELL := /bin/bash
VENV := .venv
VPY := $(VENV)/bin/python
MPIRUN := $(VENV)/bin/mpirun
STAMP := $(VENV)/.lidendrite-installed
EXTRAS ?= solver,render,dev
DEMO_CONFIG ?= configs/demo.yaml
DEMO_OUT ?= results/demo

# Find an interpreter >= 3.12: $(PYTHON), then python3.13/python3.12 on PATH, then pyenv's.
define find_python
for c in $(PYTHON) python3.13 python3.12 python3 \
    $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
  if command -v "$$c" >/dev/null 2>&1 && \
     "$$c" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
    echo "$$c"; exit 0; fi; \
done; exit 1
endef

.PHONY: all install demo test test-serial lint format bench figures clean

all: install

$(STAMP): pyproject.toml
	@set -e -o pipefail; \
	if [ ! -x "$(VPY)" ]; then \
	  py=$$($(find_python)) || { echo "error: no Python >= 3.12 found (tried PYTHON=, python3.13, python3.12, python3, pyenv versions). Install one or pass PYTHON=/path/to/python3.12." >&2; exit 1; }; \
	  echo "Creating $(VENV) with $$py ($$($$py --version))"; \
	  "$$py" -m venv $(VENV); \
	fi; \
	echo "[1/2] upgrading pip in $(VENV)"; \
	$(VPY) -m pip install --quiet --upgrade pip; \
	echo "[2/2] installing lidendrite[$(EXTRAS)] into $(VENV): DOLFINx with PETSc/MPICH (the"; \
	echo "      dolfinx-solver-real wheel), Gmsh, PyVista/VTK, Matplotlib; a few hundred MB of"; \
	echo "      wheels, one to a few minutes the first time (pip's progress below)"; \
	start=$$(date +%s); \
	$(VPY) -m pip install --progress-bar on -e ".[$(EXTRAS)]" | { grep -v '^Requirement already satisfied' || true; }; \
	echo "installed in $$(( $$(date +%s) - start )) s"; \
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/lidendrite run $(DEMO_CONFIG) --out $(DEMO_OUT) --overwrite
	$(VENV)/bin/lidendrite render $(DEMO_OUT) --field flux
	$(VENV)/bin/lidendrite render $(DEMO_OUT) --field flux --animate mp4
	@echo "Results in $(DEMO_OUT)/: metrics.csv, status.json; open $(DEMO_OUT)/fields.pvd in ParaView."

test: install
	$(VPY) -m pytest -q tests
	$(MPIRUN) -n 2 $(VPY) -m mpi4py -m pytest -q -p no:cacheprovider -m "not serial" tests

test-serial: install
	$(VPY) -m pytest -q tests

lint: install
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/ruff check src tests benchmarks

format: install
	$(VENV)/bin/ruff format src tests benchmarks
	$(VENV)/bin/ruff check --fix src tests benchmarks

bench: install
	$(VPY) benchmarks/step_cost.py
	$(VPY) benchmarks/seed_case.py

figures: install
	bash docs/make_figures.sh

clean:
	rm -rf results build .pytest_cache .ruff_cache
