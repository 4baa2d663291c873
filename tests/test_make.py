"""The Makefile's promises that are not tests of the notebooks: set-up failures in one line, JupyterLab as root, the
loops' figures as the documents state them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import preinstalled_environment

from helpers.devices import ACCELERATORS, accelerator_available

ROOT = Path(__file__).resolve().parents[1]


def make(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run make in the repository with extra environment variables, capturing its output."""
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True,
                          env=os.environ | env)


@pytest.mark.network
def test_unsatisfiable_constraints_fail_in_one_line_that_names_the_fix(tmp_path):
    preinstalled_environment(tmp_path)  # has torch already, as a GPU runner or Colab would: set-up skips it
    bad = tmp_path / "constraints.txt"
    bad.write_text("transformers==0.0.1\n")
    result = make("setup", f"VENV={tmp_path / 'venv'}", f"CONSTRAINTS={bad}")
    assert result.returncode != 0
    said = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith(("error", "ERROR"))]
    assert len(said) == 2 and "transformers" in said[0], said  # pip's reason, then ours
    assert f"pinned in {bad}" in said[-1] and "make setup CONSTRAINTS=" in said[-1]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_lab_runs_as_root_without_a_browser():
    command = make("-n", "lab", "DISPLAY=").stdout.splitlines()[-1]
    assert "jupyter lab" in command and "--allow-root" in command and "--no-browser" in command
    assert "--no-browser" not in make("-n", "lab", "DISPLAY=:0").stdout.splitlines()[-1]


@pytest.mark.slow  # make may bring the environment up to date first
@pytest.mark.skipif(any(map(accelerator_available, ACCELERATORS)), reason="this machine has a GPU")
def test_test_gpu_without_a_gpu_stops_at_once_in_one_line():
    result = make("test-gpu", WORKBOOK_DEVICE="")
    ours = [line for line in result.stderr.splitlines() if not line.startswith("make")]
    assert result.returncode != 0 and len(ours) == 1, result.stderr
    assert "no GPU here" in ours[0] and "make test-gpu" in ours[0] and "pytest" not in result.stdout


def test_git_shows_a_notebook_change_cell_by_cell_once_set_up(tmp_path):
    """`make git-drivers` (part of `make setup`) points .gitattributes' drivers at nbdime: a one-word edit in a
    committed notebook shows as that cell's source changing, not as raw JSON."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True,
                              capture_output=True, text=True).stdout

    git("init", "-q")
    (tmp_path / ".gitattributes").write_text((ROOT / ".gitattributes").read_text())
    notebook = tmp_path / "lesson.ipynb"
    notebook.write_text((ROOT / "notebooks" / "02_tokens.ipynb").read_text())
    git("add", ".")
    git("commit", "-qm", "a lesson")
    subprocess.run(["make", "--no-print-directory", "-f", str(ROOT / "Makefile"), "git-drivers",
                    f"VENV={ROOT / '.venv'}"], cwd=tmp_path, check=True)
    notebook.write_text(notebook.read_text().replace("`MODEL_NAME` picks the model", "`MODEL_NAME` chooses the model"))
    shown = re.sub(r"\x1b\[[0-9;]*m", "", git("diff"))  # nbdime colours its output itself
    assert "## modified /cells/3/source:" in shown and "+`MODEL_NAME` chooses the model" in shown, shown


@pytest.mark.slow  # collects the whole suite in a subprocess
def test_the_documents_state_the_test_count_make_check_runs():
    """README.md and CONTRIBUTING.md give make check's test count where scripts/time_loops.py writes it, and it is the
    number make check collects (its markers are the Makefile's)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import time_loops

    assert time_loops.CHECK_MARKERS in (ROOT / "Makefile").read_text(), "make check selects other markers than time_loops"
    stated = [match.group("figure") for path in time_loops.DOCUMENTS
              for match in time_loops.SPAN.finditer(path.read_text()) if match.group("name") == "check-tests"]
    collected = str(time_loops.check_test_count())
    assert len(stated) >= 2 and set(stated) == {collected}, (
        f"the documents say make check runs {sorted(set(stated))} tests; it collects {collected}: run "
        "`.venv/bin/python scripts/time_loops.py` to write the count")


def test_both_loops_run_one_single_threaded_worker_per_core():
    """Two workers whose torch each takes every core made a notebook 7 times slower on 2 cores: each worker, and each
    kernel it starts, computes on one thread; make test sends each file (a notebook's kernel) to one worker, whole."""
    commands = {target: next(line for line in make("-n", target).stdout.splitlines() if " -m pytest " in line)
                for target in ("check", "test")}
    for command in commands.values():
        assert command.startswith("OMP_NUM_THREADS=1 ") and " -n auto" in command, command
    assert "--dist loadfile" in commands["test"], "nbval's cells of one notebook must stay on one worker"


@pytest.mark.slow  # collects the suite twice in subprocesses
def test_a_solutions_check_is_left_to_its_notebook_only_when_nbval_validates_it():
    """tests/test_exercises.py checks each solution unless its solution notebook runs under nbval in the same session."""
    def collected(*paths: str) -> list[str]:
        """The solution checks that pytest collects, and keeps, for these paths."""
        result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--collect-only",
                                 "--nbval", *paths], cwd=ROOT, capture_output=True, text=True)
        return [line for line in result.stdout.splitlines() if "test_check_accepts_the_solution[" in line]

    alone = collected("tests/test_exercises.py")
    beside = collected("tests/test_exercises.py", "notebooks/solutions/05_beam_search_solutions.ipynb")
    assert len(alone) >= 2 and sorted(set(alone) - set(beside)) == [line for line in alone if "[05-" in line], beside
