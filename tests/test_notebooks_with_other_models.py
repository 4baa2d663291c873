"""Every notebook runs to the end with another causal LM set through its parameters cell (papermill)."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.notebook

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9]*.ipynb"))

# Every notebook with GPT-2's architecture (learned positions, Conv1D layers, no chat template: the fallback path), and
# with Llama's (rotary positions, grouped-query attention, its own template) where that adds a path: sampling, templates
# (notebook 09, in Arabic below), the server.
# Notebook 01 also runs with Llama without bitsandbytes; notebook 10 (the speed lab) runs with Llama and a GPT-2 draft in
# tests/test_speed.py, through its script.
LAB = "10_speed_and_memory"
CHAT_ONLY = "12_from_generate_to_a_server"  # a server answers chat: a model without a chat template stops in one line
RUNS = [(notebook, "tiny_gpt2") for notebook in NOTEBOOKS if notebook.stem not in (LAB, CHAT_ONLY)] + [
    (notebook, "tiny_llama") for notebook in NOTEBOOKS if notebook.stem.startswith(("04_", "12_"))]
WITHOUT_BITSANDBYTES = (NOTEBOOKS[0], "tiny_llama")
# The chat lesson's Llama run is its Arabic edition's (the same code but for LANGUAGE = "ar"): exercises, a prediction
# and two explorers, so that what the helpers say is said in Arabic from a real kernel.
ARABIC = NOTEBOOKS[0].parent / "ar" / "09_chat_templates.ipynb"


def texts(executed: Path) -> str:
    """All the text outputs of an executed notebook, joined."""
    cells = nbformat.read(executed, as_version=4).cells
    return "\n".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for c in cells for o in c.get("outputs", []))


@pytest.fixture(scope="module")
def executed(request, tmp_path_factory) -> dict[tuple[Path, str], tuple[subprocess.CompletedProcess, Path]]:
    """Every run above (and notebook 01 with bitsandbytes blocked), each in its own papermill process, as many at a
    time as there are cores (one at a time under pytest-xdist, whose other workers have the other cores): most of a run
    is a kernel starting and importing, which one core does alone."""
    out = tmp_path_factory.mktemp("other-models")
    blocker = out / "blocker" / "bitsandbytes"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('bitsandbytes blocked by the test')\n")

    def run(notebook: Path, model: str, env: dict[str, str]) -> tuple[subprocess.CompletedProcess, Path]:
        target = out / f"{notebook.stem}-{model}-{len(env)}.ipynb"
        command = [sys.executable, "-m", "papermill", str(notebook), str(target), "-r", "MODEL_NAME",
                   str(request.getfixturevalue(model)), "--cwd", str(notebook.parent), "-k", "python3", "--no-progress-bar"]
        for _ in range(2):  # kernels starting side by side can pick the same free port (jupyter_client probes for one):
            result = subprocess.run(command, capture_output=True, text=True, env=os.environ | env)
            if "Kernel died before replying to kernel_info" not in result.stderr:
                break  # a kernel that died before its first reply is started once more; any other failure stands
        return result, target

    jobs = {key: {} for key in RUNS} | {("without bitsandbytes", "tiny_llama"): {"PYTHONPATH": str(blocker.parent)},
                                        ("without a chat template", "tiny_gpt2"): {}, ("in Arabic", "tiny_llama"): {}}
    special = {"without bitsandbytes": WITHOUT_BITSANDBYTES[0],
               "without a chat template": next(n for n in NOTEBOOKS if n.stem == CHAT_ONLY), "in Arabic": ARABIC}
    for model in ("tiny_gpt2", "tiny_llama"):
        request.getfixturevalue(model)  # built here, not in the worker threads
    with ThreadPoolExecutor(max_workers=1 if "PYTEST_XDIST_WORKER" in os.environ else os.cpu_count() or 1) as pool:
        futures = {key: pool.submit(run, key[0] if isinstance(key[0], Path) else special[key[0]], key[1], env)
                   for key, env in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


def finished(executed, key) -> str:
    """The run's text outputs, or the test fails with papermill's report."""
    result, target = executed[key]
    assert result.returncode == 0, f"{key[0]} with {key[1]} failed:\n{result.stderr[-3000:]}"
    return texts(target)


@pytest.mark.parametrize(("notebook", "model"), RUNS, ids=lambda value: getattr(value, "stem", value))
def test_notebook_runs_with_another_model(notebook, model, executed):
    text = finished(executed, (notebook, model))
    if model == "tiny_gpt2" and "tokenizer.chat_template" in notebook.read_text():
        assert "This model has no chat template" in text, "a template-less model must be told, not silently skipped"


def test_notebook_01_continues_unquantized_without_bitsandbytes(executed):
    text = finished(executed, ("without bitsandbytes", "tiny_llama"))
    assert "bitsandbytes blocked by the test" in text and "Continuing unquantized" in text
    assert "Linear4bit" not in text and "4-bit nf4" not in text


def test_the_server_lesson_stops_in_one_line_without_a_chat_template(executed):
    result, _ = executed[("without a chat template", "tiny_gpt2")]
    assert result.returncode != 0 and "has no chat template, and this lesson serves chat: set MODEL_NAME" in result.stderr


def test_the_arabic_edition_runs_and_its_helpers_speak_arabic(executed):
    """Notebook 09 runs with the tiny Llama in its Arabic edition, whose unattempted exercises and prediction answer in
    Arabic, not English."""
    from helpers.language import catalog

    text = finished(executed, ("in Arabic", "tiny_llama"))
    arabic = catalog("ar")
    unattempted = "Not attempted yet: write your prediction in place of the ..., then run this cell again."
    assert arabic[unattempted] in text and unattempted not in text


def test_every_notebook_has_one_parameters_cell_with_the_model_and_the_language():
    """papermill sets MODEL_NAME, and the Arabic edition LANGUAGE, in the one cell tagged `parameters`."""
    for notebook in [*NOTEBOOKS, *sorted((NOTEBOOKS[0].parent / "solutions").glob("[0-9]*.ipynb"))]:
        cells = [cell for cell in nbformat.read(notebook, as_version=4).cells
                 if "parameters" in cell.metadata.get("tags", [])]
        assert len(cells) == 1, f"{notebook.name} has {len(cells)} cells tagged parameters"
        assert "MODEL_NAME = None" in cells[0].source and 'LANGUAGE = "en"' in cells[0].source, notebook.name
