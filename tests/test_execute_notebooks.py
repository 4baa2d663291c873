"""scripts/execute_notebooks.py --slow: which cells ran long, and whether a learner was told beforehand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import execute_notebooks  # noqa: E402  (scripts/execute_notebooks.py)


def timed(source: str, seconds: float, outputs: list | None = None) -> nbformat.NotebookNode:
    """A code cell as nbclient leaves it with record_timing: when its input started and its reply came."""
    cell = nbformat.v4.new_code_cell(source, outputs=outputs or [])
    cell.metadata["execution"] = {"iopub.execute_input": "2026-12-06T21:00:00.000000Z",
                                  "shell.execute_reply": f"2026-12-06T21:00:{seconds:09.6f}Z"}
    return cell


def test_slow_cells_are_listed_with_whether_a_learner_is_told():
    notebook = nbformat.v4.new_notebook(cells=[
        timed("x = 1", 2.0),  # fast: not listed
        timed("train()", 30.0),  # slow and silent
        nbformat.v4.new_markdown_cell("The next cell takes about 20 s."),
        timed("train()", 20.0),  # announced by the markdown above
        timed("# NBVAL_IGNORE_OUTPUT\n# about 15 s on a 2-core laptop\ntrain()", 15.0),  # by its opening comment
        timed("train()  # about 20 s for this batch, on int8 only", 12.0),  # a comment further in is no announcement
        timed("for step in tqdm(steps): ...", 40.0,
              [nbformat.v4.new_output("stream", name="stderr", text="100%|██████████| 8/8 [00:40<00:00]")]),
    ])
    lines = execute_notebooks.slow_cells(notebook, 8.0)
    assert [line.split()[1] for line in lines] == ["1", "3", "4", "5", "6"], lines
    assert ["NOT ANNOUNCED" in line for line in lines] == [True, False, False, True, False], lines
    assert "30.0 s" in lines[0]
    assert all("execution" not in cell.metadata for cell in notebook.cells), "timings would change the file every run"


@pytest.mark.notebook
def test_reexecution_keeps_measured_outputs_unless_refreshed(tmp_path):
    """A measured cell (NBVAL_IGNORE_OUTPUT) keeps its committed figure while its code is the committed code; other
    cells and changed measured cells get the new run's output, and --refresh takes every new figure."""
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True,
                       capture_output=True)

    def stored(text: str) -> list:
        return [nbformat.v4.new_output("stream", name="stdout", text=text)]

    path = tmp_path / "lesson.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("# NBVAL_IGNORE_OUTPUT\nprint('measured now')", outputs=stored("measured before\n")),
        nbformat.v4.new_code_cell("print(1 + 1)", outputs=stored("stale\n")),
    ]), path)
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "measured")

    def texts() -> list[str]:
        return [cell.outputs[0]["text"] for cell in nbformat.read(path, as_version=4).cells]

    execute_notebooks.execute(path)
    assert texts() == ["measured before\n", "2\n"]
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[0].source = "# NBVAL_IGNORE_OUTPUT\nprint('measured ' + 'again')"
    nbformat.write(notebook, path)
    execute_notebooks.execute(path)
    assert texts() == ["measured again\n", "2\n"]
    git("checkout", "lesson.ipynb")
    execute_notebooks.execute(path, refresh=True)
    assert texts() == ["measured now\n", "2\n"]
