"""Re-execute notebooks and store their outputs: `python scripts/execute_notebooks.py [--into DIR] [--allow-errors]
[--refresh] [--slow SECONDS] [NOTEBOOK ...]`.

A cell marked `# NBVAL_IGNORE_OUTPUT` shows what differs between runs and machines (timings, 16-bit results). Its
output as committed (git's HEAD) stays when its code is the committed code, so that re-running a notebook to update one
cell does not rewrite every measured figure (nor the prose written about them); `--refresh` stores the new run's
figures instead.

`--slow 5` also lists every cell that ran longer than 5 s and says whether a learner is told: by a progress bar in its
output, or by a duration ("about 20 s", "a minute") in the comments that open the cell or the markdown just above it.
"""

from __future__ import annotations

import argparse
import itertools
import re
import subprocess
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


# A duration a learner reads before a long cell: "about 20 s", "30 seconds", "a minute", "2–4 minutes".
ANNOUNCED = re.compile(r"\b(\d+(?:[–-]\d+)?\s*(?:s|seconds?|min|minutes?)|a minute|minutes)\b")
PROGRESS_BAR = re.compile(r"\d+%\|")  # tqdm's "45%|████"


def announced(cell: nbformat.NotebookNode, above: nbformat.NotebookNode | None) -> bool:
    """Whether a learner knows beforehand that the cell takes a while: a duration in the markdown just above it or in
    the comments that open it, or a progress bar in its output."""
    opening = "\n".join(itertools.takewhile(lambda line: line.startswith("#"), cell.source.splitlines()))
    said = opening + (above.source if above is not None and above.cell_type == "markdown" else "")
    shown = "".join(output.get("text", "") for output in cell.get("outputs", []))
    return bool(ANNOUNCED.search(said) or PROGRESS_BAR.search(shown))


def seconds(cell: nbformat.NotebookNode) -> float:
    """How long the cell ran, from nbclient's timing metadata, which is then removed (it would change on every run)."""
    timing = cell.metadata.pop("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() if start and end else 0.0


def slow_cells(notebook: nbformat.NotebookNode, limit: float) -> list[str]:
    """One line for each cell that ran longer than the limit: its time, first line, and whether it is announced."""
    lines = []
    for index, cell in enumerate(notebook.cells):
        took = seconds(cell) if cell.cell_type == "code" else 0.0
        if took > limit:
            told = "announced" if announced(cell, notebook.cells[index - 1] if index else None) else "NOT ANNOUNCED"
            lines.append(f"  cell {index} ({cell.get('id')}): {took:.1f} s, {told}: {cell.source.splitlines()[0][:70]}")
    return lines


IGNORE_OUTPUT = re.compile(r"^\s*#\s*NBVAL_IGNORE_OUTPUT\s*$", re.MULTILINE)


def measured(notebook: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """The cells whose output nbval ignores (it differs between runs and machines), by id."""
    return {cell.id: cell for cell in notebook.cells if cell.cell_type == "code" and IGNORE_OUTPUT.search(cell.source)}


def committed(path: Path) -> nbformat.NotebookNode | None:
    """The notebook as git's HEAD holds it, if it is in a repository and committed."""
    shown = subprocess.run(["git", "show", f"HEAD:./{path.name}"], cwd=path.parent, capture_output=True, text=True)
    return nbformat.reads(shown.stdout, as_version=4) if shown.returncode == 0 else None


def keep_measured(notebook: nbformat.NotebookNode, stored: dict[str, nbformat.NotebookNode]) -> int:
    """Put back the committed outputs of measured cells whose code is the committed code; return how many."""
    kept = 0
    for cell_id, cell in measured(notebook).items():
        before = stored.get(cell_id)
        if before is not None and before.source == cell.source and before.outputs:
            cell.outputs, kept = before.outputs, kept + 1
    return kept


def execute(path: Path, into: Path | None = None, allow_errors: bool = False, slow: float | None = None,
            refresh: bool = False) -> float:
    """Run one notebook top to bottom in its own folder, store it with outputs (committed measured ones kept unless
    refresh), print its slow cells if asked, and return the seconds taken."""
    notebook = nbformat.read(path, as_version=4)
    before = None if refresh else committed(path)
    stored = measured(before) if before else {}
    start = time.perf_counter()
    # Widget state is left out: its random ids would change the file on every run, and each widget cell prints its default.
    NotebookClient(notebook, timeout=900, kernel_name="python3", record_timing=slow is not None,
                   store_widget_state=False, allow_errors=allow_errors,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    if slow is not None:
        print(*slow_cells(notebook, slow), sep="\n")
    if kept := keep_measured(notebook, stored):
        print(f"  kept the stored output of {kept} measured cells whose code did not change (--refresh: store new ones)")
    nbformat.write(notebook, into / path.name if into else path)
    return time.perf_counter() - start


def main() -> None:
    """Execute the given notebooks, or every lesson and solution notebook, in place or into another folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/ and notebooks/solutions/")
    parser.add_argument("--into", type=Path, help="write the executed notebooks here instead of in place")
    parser.add_argument("--allow-errors", action="store_true", help="run on past a failing cell and store its error")
    parser.add_argument("--slow", type=float, metavar="SECONDS", help="list the cells that ran longer than this")
    parser.add_argument("--refresh", action="store_true", help="store new measured outputs (NBVAL_IGNORE_OUTPUT cells) too")
    args = parser.parse_args()
    if args.into:
        args.into.mkdir(parents=True, exist_ok=True)
    every = [*sorted(NOTEBOOKS.glob("[0-9]*.ipynb")), *sorted(NOTEBOOKS.glob("solutions/[0-9]*.ipynb"))]
    for path in args.notebooks or every:
        print(f"{path.name}: {execute(path, args.into, args.allow_errors, args.slow, args.refresh):.1f} s", flush=True)


if __name__ == "__main__":
    main()
