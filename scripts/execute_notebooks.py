"""Re-execute notebooks in place and store their outputs: `python scripts/execute_notebooks.py [NOTEBOOK ...]`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def execute(path: Path) -> float:
    """Run one notebook top to bottom in its own folder, store it with outputs, and return the seconds taken."""
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(notebook, timeout=900, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(notebook, path)
    return time.perf_counter() - start


def main(paths: list[str]) -> None:
    """Execute the given notebooks, or every notebook in notebooks/."""
    for path in [Path(p) for p in paths] or sorted(NOTEBOOKS.glob("[0-9]*.ipynb")):
        print(f"{path.name}: {execute(path):.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
