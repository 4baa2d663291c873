# Set-up, tests and notebook runs for the workbook. `make lab` to learn, `make test` to check.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# CPU build of torch; skipped when the interpreter already has torch (as in Colab).
TORCH ?= torch==2.13.0
PYTEST := $(PY) -m pytest --nbval --nbval-current-env -p no:cacheprovider

.PHONY: setup model lab test notebooks bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q "$(TORCH)"
	$(PY) -m pip install -q -r requirements-dev.txt -e .
	touch $@

setup: $(VENV)/.installed  ## create the environment

model: setup  ## prepare the model that WORKBOOK_MODEL names (default SmolLM2-135M-Instruct) and print its folder
	$(PY) -m helpers.models

lab: model  ## set up everything and open the workbook in JupyterLab
	$(PY) -m pip install -q "jupyterlab>=4.2"
	$(PY) -m jupyter lab notebooks/

test: model  ## set up everything, then run the unit tests and validate every notebook's stored outputs
	$(PYTEST) tests notebooks

notebooks: model  ## re-execute every notebook and store its outputs
	$(PY) scripts/execute_notebooks.py

bench: model  ## measure set-up, load and notebook times; print a report
	$(PY) scripts/benchmark.py

clean:  ## remove the environment and the prepared models
	rm -rf $(VENV) data/models
